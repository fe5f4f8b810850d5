/**
 * Backends never share a mutable object with their callers: a caller that
 * changes what it got (or what it gave) changes nothing in the store, as with
 * a networked backend. The memory backends copy on write and hand out frozen
 * records, so a write to what a read returned throws (strict mode) instead of
 * reaching the store. Records are readonly in their types; tests write
 * through a cast, as a careless caller in plain JavaScript would.
 */

export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Runs a careless write; a TypeError (the record is frozen) is as good as a write that changes nothing. */
export function scribble<T>(value: T, write: (w: Writable<T>) => void): void {
  try {
    write(value as Writable<T>);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
}
