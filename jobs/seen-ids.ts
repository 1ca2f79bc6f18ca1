// The ids of a body streaming in, to find a repeated one (jobs/body-cutter.ts). Pure.

/**
 * The ids of a body so far, to find a repeated one: a hash table of their UTF-16 code units,
 * kept in typed arrays (a Set of the 160,000 id strings was a third of the CPU cutting the
 * benchmark's body: its growth, and the garbage collector tracing it and the strings).
 */
export class SeenIds {
  /** Per slot: an id's hash, and 1 + its place in `units` (0: a free slot). Open addressing. */
  private slots = new Int32Array(2 * 4096);
  private taken = 0;
  /** Each id's length (two code units: high, low), then its code units. */
  private units = new Uint16Array(1 << 16);
  private used = 0;
  private readonly seed = (Math.random() * 2 ** 32) | 0;

  /** Adds a chunk's ids: false when one of them was there before, in an earlier chunk or this one. */
  add(ids: readonly string[]): boolean {
    for (const id of ids) {
      let h = this.seed;
      for (let j = 0; j < id.length; j++) h = Math.imul(h ^ id.charCodeAt(j), 0x01000193);
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      if (4 * ++this.taken > this.slots.length) this.grow();
      const slots = this.slots;
      const mask = (slots.length >> 1) - 1;
      let p = h & mask;
      for (let at = slots[2 * p + 1]; at !== 0; at = slots[2 * p + 1]) {
        if (slots[2 * p] === h && this.holds(at - 1, id)) return false;
        p = (p + 1) & mask;
      }
      slots[2 * p] = h;
      slots[2 * p + 1] = 1 + this.keep(id);
    }
    return true;
  }

  private holds(at: number, id: string): boolean {
    const u = this.units;
    if (u[at] * 65536 + u[at + 1] !== id.length) return false;
    for (let j = 0; j < id.length; j++) if (u[at + 2 + j] !== id.charCodeAt(j)) return false;
    return true;
  }

  private keep(id: string): number {
    const at = this.used;
    if (at + 2 + id.length > this.units.length) {
      const units = new Uint16Array(2 * (at + 2 + id.length));
      units.set(this.units);
      this.units = units;
    }
    const u = this.units;
    u[at] = id.length >>> 16;
    u[at + 1] = id.length & 0xffff;
    for (let j = 0; j < id.length; j++) u[at + 2 + j] = id.charCodeAt(j);
    this.used = at + 2 + id.length;
    return at;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(2 * old.length);
    const mask = (slots.length >> 1) - 1;
    for (let o = 0; o < old.length; o += 2) {
      if (old[o + 1] === 0) continue;
      let p = old[o] & mask;
      while (slots[2 * p + 1] !== 0) p = (p + 1) & mask;
      slots[2 * p] = old[o];
      slots[2 * p + 1] = old[o + 1];
    }
    this.slots = slots;
  }
}
