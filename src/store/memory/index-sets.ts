/** Secondary indexes of the memory backends: a Map of Sets, the memory form of a Redis set per key. */

/** Adds `value` to the set indexed under `key`. */
export function index<V>(map: Map<string, Set<V>>, key: string, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/** Removes `value` from the set under `key`, and the key with its last value. */
export function unindex<V>(map: Map<string, Set<V>>, key: string, value: V): void {
  const set = map.get(key);
  if (set && set.delete(value) && set.size === 0) map.delete(key);
}
