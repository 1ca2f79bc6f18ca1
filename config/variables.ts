// Reading environment variables for the configuration: each read records the value used and
// where it came from (default, the environment, a `<NAME>_FILE`), and a value that does not
// have its format is noted as an issue naming the variable and the format, so that every wrong
// variable is reported at once (`cashflow config` shows the records).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parsePeriod } from '../engine/index.js';
import { shownValue } from './redact.js';

export type Env = Record<string, string | undefined>;

/** Where a value came from. */
export type Origin = 'default' | 'environment' | 'file';

export interface Reading {
  variable: string;
  /** The text in effect (undefined: unset, no default). */
  value: string | undefined;
  origin: Origin;
  /** The `<NAME>_FILE` path the value was read from (origin `file`). */
  file?: string;
  /** For a default taken from another variable (`DATABASE_READ_URL` ← `DATABASE_URL`): that one. */
  defaultFrom?: string;
  /** A password or key: never shown. */
  secret: boolean;
  /** Why the value is refused, if it is. */
  problem?: string;
}

export interface ConfigIssue {
  variable: string;
  reason: string;
}

export class ConfigError extends Error {
  /** Every wrong variable, the first one also as `variable` and `reason`. */
  readonly issues: readonly ConfigIssue[];

  constructor(
    readonly variable: string,
    readonly reason: string,
    more: readonly ConfigIssue[] = [],
  ) {
    const issues = [{ variable, reason }, ...more];
    super(issues.map((i) => `${i.variable}: ${i.reason}`).join('; '));
    this.name = 'ConfigError';
    this.issues = issues;
  }

  static of(issues: readonly ConfigIssue[]): ConfigError {
    const [first, ...more] = issues;
    return new ConfigError(first!.variable, first!.reason, more);
  }
}

interface ReadOptions {
  /** The value when the variable is unset or empty (a function: computed only then). */
  fallback?: string | (() => string | undefined);
  /** The variable the fallback comes from, if it is not a plain default. */
  fallbackFrom?: string;
  /** A password or key: may come from `<NAME>_FILE`, never shown. */
  secret?: boolean;
  /** May come from `<NAME>_FILE` (secrets always may). */
  file?: boolean;
}

/** One reading pass over the environment: the values used and the issues found. */
export class Variables {
  readonly issues: ConfigIssue[] = [];

  constructor(
    private readonly env: Env,
    private readonly readings?: Map<string, Reading>,
  ) {}

  /** The variable's text (an empty one counts as unset), else its `_FILE`'s content, else the fallback. */
  read(variable: string, options: ReadOptions = {}): string | undefined {
    const secret = options.secret === true;
    const raw = this.env[variable];
    if (raw !== undefined && raw !== '') return this.record({ variable, value: raw, origin: 'environment', secret });
    const file = options.secret || options.file ? this.env[`${variable}_FILE`] : undefined;
    if (file !== undefined && file !== '') {
      try {
        return this.record({ variable, value: readFileSync(file, 'utf8').trim(), origin: 'file', file, secret });
      } catch (e) {
        this.record({ variable, value: undefined, origin: 'file', file, secret });
        this.problem(`${variable}_FILE`, `cannot read ${file}: ${(e as Error).message}`, variable);
        return undefined;
      }
    }
    const fallback = typeof options.fallback === 'function' ? options.fallback() : options.fallback;
    return this.record({ variable, value: fallback, origin: 'default', secret, defaultFrom: options.fallbackFrom });
  }

  /** Notes that `variable`'s value is refused (`recordedAs`: the reading it belongs to). */
  problem(variable: string, reason: string, recordedAs = variable): void {
    this.issues.push({ variable, reason });
    const reading = this.readings?.get(recordedAs);
    if (reading && reading.problem === undefined) reading.problem = `${variable}: ${reason}`;
  }

  private record(reading: Reading): string | undefined {
    if (this.readings && !this.readings.has(reading.variable)) this.readings.set(reading.variable, reading);
    return reading.value;
  }
}

/** A field of the configuration: a function reading its variables, checked when first called. */
export type FieldOf = <T>(read: (v: Variables) => T) => () => T;

/**
 * The field maker of one configuration: each field's variables go through one `Variables` pass
 * (recorded in `readings`), and the field throws one ConfigError naming its wrong variables.
 */
export function fieldMaker(env: Env, readings?: Map<string, Reading>): FieldOf {
  return <T>(read: (v: Variables) => T) =>
    (): T => {
      const v = new Variables(env, readings);
      const value = read(v);
      if (v.issues.length > 0) throw ConfigError.of(v.issues);
      return value;
    };
}

/** At most 40 characters of a refused value, credentials masked, quoted. */
export function quoted(value: string, secret = false): string {
  const shown = shownValue(value, secret);
  return `"${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}"`;
}

export function text(v: Variables, name: string, fallback?: string): string | undefined {
  return v.read(name, { fallback });
}

export function secret(v: Variables, name: string): string | undefined {
  return v.read(name, { secret: true });
}

export function int(v: Variables, name: string, fallback: number, min = 1, max = 2 ** 31): number {
  const raw = v.read(name, { fallback: String(fallback) })!;
  const n = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    v.problem(name, `expected an integer between ${min} and ${max}, got ${quoted(raw)}`);
    return fallback;
  }
  return n;
}

export function oneOf<T extends string>(v: Variables, name: string, allowed: readonly T[], fallback: T): T {
  const raw = v.read(name, { fallback })!;
  const value = raw.toLowerCase() as T;
  if (allowed.includes(value)) return value;
  v.problem(name, `expected one of ${allowed.join(', ')}, got ${quoted(raw)}`);
  return fallback;
}

/**
 * A URL with one of `schemes` (without the colon), trailing slashes dropped; `example` is
 * shown in the message (default: the fallback, when it is plain text).
 */
export function url(
  v: Variables,
  name: string,
  fallback: string | (() => string),
  schemes: readonly string[],
  options: { fallbackFrom?: string; file?: boolean; example?: string } = {},
): string {
  return optionalUrl(v, name, schemes, { ...options, fallback, example: options.example ?? (typeof fallback === 'string' ? fallback : undefined) }) ?? '';
}

/** A URL as `url` reads it, or undefined when unset and without fallback. */
export function optionalUrl(
  v: Variables,
  name: string,
  schemes: readonly string[],
  options: { fallback?: string | (() => string); fallbackFrom?: string; file?: boolean; example?: string } = {},
): string | undefined {
  const raw = v.read(name, options);
  if (raw === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !schemes.includes(parsed.protocol.slice(0, -1)) || parsed.host === '') {
    const form = `${schemes.map((s) => `${s}://`).join(' or ')} URL`;
    v.problem(name, `expected a ${form}${options.example ? ` such as ${options.example}` : ''}, got ${quoted(raw)}`);
    return undefined;
  }
  return raw.replace(/\/+$/, '');
}

/** `host:port[,host:port…]`, as Kafka clients take their bootstrap servers. */
export function hostPorts(v: Variables, name: string, fallback: () => string, fallbackFrom?: string): string {
  const raw = v.read(name, { fallback, fallbackFrom })!;
  const entries = raw.split(',').map((s) => s.trim());
  const bad = entries.find((e) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(e);
    return m === null || Number(m[2]) < 1 || Number(m[2]) > 65535;
  });
  if (bad !== undefined) {
    v.problem(name, `expected host:port[,host:port…] such as 127.0.0.1:9092, got ${quoted(raw)}`);
    return raw;
  }
  return entries.join(',');
}

/** An IP network: an address and a prefix length (a single address has the family's full length). */
export interface IpNetwork {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Comma-separated IP addresses or CIDR networks (`127.0.0.1`, `10.20.0.0/16`, `fd00::/8`). */
export function networks(v: Variables, name: string): IpNetwork[] {
  const out: IpNetwork[] = [];
  for (const entry of (v.read(name) ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined;
    const full = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? full : Number(bits);
    if (!family || rest.length > 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits)) || prefix > full) {
      v.problem(name, `expected IP addresses or networks such as 127.0.0.1 or 10.0.0.0/8, comma-separated; ${quoted(entry)} is not one`);
      return [];
    }
    out.push({ address, prefix, family });
  }
  return out;
}

/** A name used inside topic, group or key names: no whitespace. */
export function prefix(v: Variables, name: string, fallback: string): string {
  const raw = v.read(name, { fallback })!;
  if (!/\s/.test(raw)) return raw;
  v.problem(name, `expected a prefix without whitespace, got ${quoted(raw)}`);
  return fallback;
}

/** A PostgreSQL name we use unquoted: `pattern` and its description (`what`). */
export function identifier(v: Variables, name: string, pattern: RegExp, what: string): string | undefined {
  const raw = v.read(name);
  if (raw === undefined || pattern.test(raw)) return raw;
  v.problem(name, `expected ${what}, got ${quoted(raw)}`);
  return undefined;
}

/**
 * An ISO 8601 period of whole days, weeks, months, quarters, half-years or years (`P30Y`,
 * `P360M`). A value the engine cannot read would drop the projection cap without a word.
 */
export function period(v: Variables, name: string, fallback: string): string {
  const raw = v.read(name, { fallback })!;
  const parsed = parsePeriod(raw);
  if (parsed === undefined || (parsed.months === 0 && parsed.days === 0)) {
    v.problem(name, `expected an ISO 8601 period such as P30Y (P<n>D|W|M|Q|H|Y, n > 0), got ${quoted(raw)}`);
    return fallback;
  }
  return parsed.text;
}
