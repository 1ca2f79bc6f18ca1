// Configuration read field by field: a field is computed on its first read and remembered
// (value or error), so a command is stopped only by the variables it reads, never by one it
// has no use for (API_PORT does not concern `cashflow recalc`).

type Thunks<T> = { [K in keyof T]: () => T[K] };

/** An object whose fields are computed on first read and remembered, errors included. */
export function lazyFields<T extends object>(fields: Thunks<T>): T {
  const target = {} as T;
  for (const key of Object.keys(fields) as (keyof T & string)[]) {
    let outcome: { value: T[typeof key] } | { error: unknown } | undefined;
    Object.defineProperty(target, key, {
      enumerable: true,
      get() {
        if (outcome === undefined) {
          try {
            outcome = { value: fields[key]() };
          } catch (error) {
            outcome = { error };
          }
        }
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
      },
    });
  }
  return target;
}

/** `base` with the fields of `patch` in place of its own; the others are read from `base` when asked. */
export function overlay<T extends object>(base: T, patch: Partial<T>): T {
  const target = {} as T;
  for (const key of Object.keys(base) as (keyof T & string)[]) {
    Object.defineProperty(target, key, {
      enumerable: true,
      get: () => (key in patch ? patch[key] : base[key]),
    });
  }
  return target;
}

/** Reads every field of `value`, depth first, so that each lazy field is computed (and checked). */
export function readAll(value: unknown, onError: (error: unknown) => void): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    let field: unknown;
    try {
      field = (value as Record<string, unknown>)[key];
    } catch (error) {
      onError(error);
      continue;
    }
    readAll(field, onError);
  }
}
