/**
 * The memory backends never share a mutable object with their callers, as a
 * networked backend could not: what is written is copied and frozen, so what
 * a read returns cannot be changed (an attempt throws in strict mode), and a
 * caller that later changes the object it wrote changes nothing stored.
 * Reads then need no copy: the hot paths (every Hawk request reads a session)
 * pay one copy per write instead of one per read.
 */

/** A frozen copy of a flat record. */
export function frozenCopy<T extends object>(value: T): T {
  return Object.freeze({ ...value });
}

/** A frozen deep copy of plain data (JSON-like: records with nested objects and arrays). */
export function deepFrozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
