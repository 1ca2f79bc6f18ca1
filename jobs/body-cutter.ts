// A job's cases cut into chunks: the one place of the rule (at most `chunkSize` cases and
// MAX_CHUNK_BYTES of `{"<id>":<case>,…}` as written, in body order). The bytes of the body are
// scanned as they arrive, and each chunk is handed out as soon as the case after it shows where
// it ends.
//
// - A body streaming in (jobs/staged-job.ts) is cut with `check`: each chunk is checked
//   as the whole body would be, so the first chunks are computing while the rest of a 70 MB body
//   is still on the wire. The check is the quick check's (jobs/chunk-check.ts), run on each case
//   where it lies in the piece that brought it, which also finds where the case ends: each byte
//   is read once (the scan byte by byte is for a case across pieces, or one the check leaves to
//   the parser and validator, which then check its chunk). Whatever the whole-body path would
//   treat differently makes the body *irregular* instead, and the caller parses it whole as
//   before: invalid JSON or a case the check refuses (the 400 must list every offending field of
//   the whole body, and JSON.parse's message names a position in it), a repeated id (JSON.parse
//   keeps the last value), an integer-like id (Object.keys lists those first), `__proto__`, more
//   than `maxCases` (413), bytes that are not UTF-8.
// - A text parsed and validated whole already (jobs/submit.ts: the body's own text, or the cases
//   serialized) is cut without `check`; its ids are its keys as written, and the caller compares
//   them with the body's.
//
// Irregular either way: a case alone over MAX_CHUNK_BYTES (`tooLarge`), a case that is not an
// object, an empty or non-object body, text after it. Pure: no I/O.
import { isAscii, isUtf8 } from 'node:buffer';
import { caseEnd, keyOf, keysOf } from './case-text.js';
import { UNSURE, type ChunkCheck, type ChunkChecks } from './chunk-check.js';
import { MAX_CHUNK_BYTES, type CutChunk } from './chunk.js';
import * as jsonBytes from './json-bytes.js';
import { SeenIds } from './seen-ids.js';

// constants of this module's own, for the scans below (jobs/json-bytes.ts says why)
const { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isBlank, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = jsonBytes;

export interface BodyCutterOptions {
  /** Cases per chunk (API_JOB_CHUNK_SIZE). */
  chunkSize: number;
  /** Cases per request (API_MAX_CONTRACTS_PER_REQUEST): more is the whole-body path's 413. */
  maxCases: number;
  /** How a body streaming in is checked, chunk by chunk, as it would be whole; none for a text checked whole. */
  check?: ChunkChecks;
  /**
   * False: chunks come without their bytes, for a text checked whole that the caller holds and
   * takes each chunk's text from (CutChunk.start, .end): no copy of it.
   */
  bytes?: boolean;
}

const enum At {
  Start,
  FirstKey,
  Key,
  Colon,
  ValueStart,
  Value,
  AfterValue,
  NextKey,
  End,
}

// Object.keys lists array-index keys first, in numeric order: the text's order would not be the body's
const integerLike = (k: string) => {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;
};

export class BodyCutter {
  /** Why this body must be parsed whole instead, once known; nothing more is cut after it. */
  irregular: string | undefined;
  /** Cases seen so far. */
  cases = 0;
  /** The case alone over MAX_CHUNK_BYTES that made the body irregular, if one did: its id and bytes. */
  tooLarge: { id: string; bytes: number } | undefined;

  /** The ids so far of a body checked as it streams in. */
  private ids: SeenIds | undefined;
  /** Where the quick check is sure of a case, and thus of where it ends. */
  private readonly eachCase: ChunkCheck['eachCase'] | undefined;
  /** Where a case that lies whole in a piece ends, found there: the quick check's (when sure), or caseEnd's for a text checked whole. */
  private readonly endInPiece: ((b: Uint8Array, at: number) => number) | undefined;
  /** The bytes not yet cut, from global offset `piecesAt`. */
  private pieces: Buffer[] = [];
  private piecesAt = 0;
  private received = 0;

  private at = At.Start;
  private inString = false;
  private escaped = false;
  private depth = 0;
  private keyStart = 0;
  /** The current case's id ends at this closing quote. */
  private keyEnd = 0;

  // the chunk being filled
  private chunkCases = 0;
  private chunkStart = 0;
  private chunkEnd = 0;
  private chunkBytes = 0;
  /** Each case's id in the chunk's text (from the `{` added before it): its start and end. */
  private idBounds: number[] = [];
  /** Cases of the chunk the quick check is not sure of. */
  private chunkUnsure = 0;

  constructor(private readonly o: BodyCutterOptions) {
    this.eachCase = o.check?.quickCheck?.eachCase;
    this.endInPiece = o.check ? this.eachCase : caseEnd;
  }

  /** Takes the next bytes of the body; returns the chunks they completed (checked, in order). */
  push(piece: Buffer): CutChunk[] {
    const out: CutChunk[] = [];
    if (this.irregular !== undefined || piece.length === 0) return out;
    const base = this.received;
    this.pieces.push(piece);
    this.received += piece.length;
    try {
      this.scan(piece, base, out);
    } catch (e) {
      this.irregular = `unreadable: ${(e as Error).message}`;
    }
    if (this.irregular !== undefined) {
      this.pieces = [];
      return [];
    }
    this.dropCut();
    return out;
  }

  /** The end of the body: its last chunk, or undefined when the body is irregular (or incomplete). */
  end(): CutChunk[] | undefined {
    if (this.irregular === undefined && this.at !== At.End) this.irregular = 'incomplete JSON';
    if (this.irregular === undefined && this.cases === 0) this.irregular = 'no cases';
    if (this.irregular !== undefined) return undefined;
    let last: CutChunk | undefined;
    try {
      last = this.cutChunk();
    } catch (e) {
      this.irregular = `unreadable: ${(e as Error).message}`;
    }
    this.pieces = [];
    return this.irregular === undefined ? [last!] : undefined;
  }

  private scan(p: Buffer, base: number, out: CutChunk[]): void {
    const n = p.length;
    for (let i = 0; i < n; i++) {
      if (this.at === At.Value) {
        // most of the body: a case's value, scanned with its state in locals
        let { depth, inString, escaped } = this;
        while (i < n) {
          if (inString) {
            if (escaped) {
              escaped = false;
              i++;
              continue;
            }
            // a string's bytes, up to its closing quote or a backslash
            let c = p[i];
            while (c !== QUOTE && c !== BACKSLASH && ++i < n) c = p[i];
            if (i === n) break;
            if (c === BACKSLASH) escaped = true;
            else inString = false;
            i++;
            continue;
          }
          const c = p[i];
          if (c === QUOTE) inString = true;
          else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
          else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) break;
          i++;
        }
        this.depth = depth;
        this.inString = inString;
        this.escaped = escaped;
        if (i === n) return;
        this.at = At.AfterValue;
        // the check was unsure of it if it lay in this piece
        this.caseDone(base + i + 1, this.keyStart < base && this.sureOfPieces(base + i + 1), out);
        if (this.irregular !== undefined) return;
        continue;
      }
      const c = p[i];
      switch (this.at) {
        case At.Key:
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) {
            this.at = At.Colon;
            this.keyEnd = base + i;
            if (++this.cases > this.o.maxCases) return this.refuse('over the contracts per request');
          }
          continue;
        default:
          if (isBlank(c)) continue;
      }
      switch (this.at) {
        case At.Start:
          if (c !== OPEN_OBJECT) return this.refuse('not an object');
          this.at = At.FirstKey;
          break;
        case At.FirstKey:
        case At.NextKey:
          if (c === CLOSE_OBJECT && this.at === At.FirstKey) return this.refuse('no cases');
          if (c !== QUOTE) return this.refuse('expected a case id');
          this.keyStart = base + i;
          if (this.endInPiece) {
            // most cases: found (and checked) whole where they lie, and skipped
            const end = this.endInPiece(p, i);
            if (end !== UNSURE) {
              if (++this.cases > this.o.maxCases) return this.refuse('over the contracts per request');
              let keyEnd = i + 1;
              while (p[keyEnd] !== QUOTE) keyEnd += p[keyEnd] === BACKSLASH ? 2 : 1;
              this.keyEnd = base + keyEnd;
              this.at = At.AfterValue;
              this.caseDone(base + end, true, out);
              if (this.irregular !== undefined) return;
              i = end - 1;
              break;
            }
          }
          this.at = At.Key;
          break;
        case At.Colon:
          if (c !== COLON) return this.refuse("expected ':'");
          this.at = At.ValueStart;
          break;
        case At.ValueStart:
          // a case is an object: anything else is the schema's 400
          if (c !== OPEN_OBJECT) return this.refuse('a case that is not an object');
          this.depth = 1;
          this.at = At.Value;
          break;
        case At.AfterValue:
          if (c === COMMA) this.at = At.NextKey;
          else if (c === CLOSE_OBJECT) this.at = At.End;
          else return this.refuse("expected ',' or '}'");
          break;
        case At.End:
          return this.refuse('text after the body');
      }
    }
  }

  private refuse(reason: string): void {
    this.irregular = reason;
  }

  /**
   * Whether the quick check is sure of the case from keyStart to `end` that the scan read byte
   * by byte (it lay across pieces, or the check was unsure of it where it lay).
   */
  private sureOfPieces(end: number): boolean {
    if (!this.eachCase) return false;
    const bytes = Buffer.allocUnsafe(end - this.keyStart);
    this.copyOut(this.keyStart, end, bytes, 0);
    return this.eachCase(bytes, 0) !== UNSURE;
  }

  /** A case ends at `end`: it joins the chunk being filled, or the chunk is cut and it starts the next. */
  private caseDone(end: number, sure: boolean, out: CutChunk[]): void {
    const start = this.keyStart;
    const own = end - start;
    if (own + 2 > MAX_CHUNK_BYTES) {
      const key = Buffer.allocUnsafe(this.keyEnd - start - 1);
      this.copyOut(start + 1, this.keyEnd, key, 0);
      this.tooLarge = { id: keyOf(key.toString()), bytes: own };
      return this.refuse('a case over MAX_CHUNK_BYTES');
    }
    if (this.chunkCases) {
      const added = end - this.chunkEnd;
      // under, not up to, MAX_CHUNK_BYTES: chunks as they were when cases were serialized with a
      // comma counted after each
      if (this.chunkCases < this.o.chunkSize && this.chunkBytes + added < MAX_CHUNK_BYTES) {
        this.chunkCases++;
        this.chunkEnd = end;
        this.chunkBytes += added;
        this.noteCase(sure);
        return;
      }
      const chunk = this.cutChunk();
      if (this.irregular !== undefined) return;
      out.push(chunk);
    }
    this.chunkCases = 1;
    this.chunkStart = start;
    this.chunkEnd = end;
    this.chunkBytes = 2 + own;
    this.noteCase(sure);
  }

  private noteCase(sure: boolean): void {
    // the chunk's text is `{` + the body's bytes from chunkStart
    const at = 1 - this.chunkStart;
    this.idBounds.push(this.keyStart + 1 + at, this.keyEnd + at);
    if (!sure) this.chunkUnsure++;
  }

  /**
   * The chunk being filled, checked (the quick check sure of each case, or else parsed and
   * validated) if the body is; its ids are the keys in text order (checked).
   */
  private cutChunk(): CutChunk {
    const count = this.chunkCases;
    const idBounds = this.idBounds;
    const check = this.o.check;
    const sure = this.chunkUnsure === 0;
    const { chunkStart: start, chunkEnd: end } = this;
    this.chunkCases = 0;
    this.idBounds = [];
    this.chunkUnsure = 0;
    if (this.o.bytes === false) return { ids: this.heldKeys(idBounds, count, start), bytes: NO_BYTES, start, end };
    const bytes = this.chunkText(start, end);
    // not UTF-8: the whole-body path decodes it to U+FFFD and counts those bytes instead
    const ascii = isAscii(bytes);
    if (!ascii && !isUtf8(bytes)) {
      this.refuse('text that is not UTF-8');
      return { ids: [], bytes, start, end };
    }
    if (!check) return { ids: keysOf(bytes, idBounds, count, ascii), bytes, start, end };
    let ids: string[];
    let cases: object | undefined;
    if (sure) ids = keysOf(bytes, idBounds, count, ascii);
    else {
      try {
        cases = check.parse(bytes.toString(ascii ? 'latin1' : 'utf8'));
      } catch (e) {
        this.refuse(`unreadable: ${(e as Error).message}`);
        return { ids: [], bytes, start, end };
      }
      ids = Object.keys(cases);
    }
    if (ids.length !== count) this.refuse('a repeated id');
    for (const id of ids) {
      if (id === '__proto__') this.refuse('a __proto__ id');
      else if (integerLike(id)) this.refuse('an integer-like id');
    }
    if (this.irregular === undefined && !(this.ids ??= new SeenIds()).add(ids)) this.refuse('a repeated id');
    if (this.irregular === undefined && cases !== undefined && !check.valid(cases)) this.refuse('invalid cases');
    return { ids, bytes, start, end };
  }

  /** `{` + the body's bytes from `start` to `end` + `}`, in one buffer (one flat string, no concatenation to flatten). */
  private chunkText(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(end - start + 2);
    out[0] = OPEN_OBJECT;
    out[this.copyOut(start, end, out, 1)] = CLOSE_OBJECT;
    return out;
  }

  /** The keys of a chunk's `count` cases from the pieces still held (`bounds` in the chunk's text from `start`). */
  private heldKeys(bounds: readonly number[], count: number, start: number): string[] {
    const keys = new Array<string>(count);
    let p = 0;
    let at = this.piecesAt;
    for (let k = 0; k < count; k++) {
      // the chunk's text is `{` + the body's bytes from start
      const from = bounds[2 * k] - 1 + start;
      const to = bounds[2 * k + 1] - 1 + start;
      while (at + this.pieces[p].length <= from) at += this.pieces[p++].length;
      const piece = this.pieces[p];
      let written: string;
      if (to <= at + piece.length) written = piece.toString('utf8', from - at, to - at);
      else {
        const across = Buffer.allocUnsafe(to - from);
        this.copyOut(from, to, across, 0);
        written = across.toString();
      }
      keys[k] = keyOf(written);
    }
    return keys;
  }

  /** Copies the body's bytes from `from` to `to` (still held) into `out` at `w`; the index after them. */
  private copyOut(from: number, to: number, out: Buffer, w: number): number {
    let at = this.piecesAt;
    for (const p of this.pieces) {
      const end = at + p.length;
      if (end > from && at < to) w += p.copy(out, w, Math.max(0, from - at), Math.min(p.length, to - at));
      at = end;
      if (at >= to) break;
    }
    return w;
  }

  /** Lets go of the pieces before anything still to be cut. */
  private dropCut(): void {
    let keep = this.received;
    if (this.chunkCases) keep = this.chunkStart;
    else if (this.at === At.Key || this.at === At.Colon || this.at === At.ValueStart || this.at === At.Value)
      keep = this.keyStart;
    while (this.pieces.length && this.piecesAt + this.pieces[0].length <= keep) {
      this.piecesAt += this.pieces[0].length;
      this.pieces.shift();
    }
  }
}

const NO_BYTES = Buffer.alloc(0);

