/**
 * An entry cap for lru-cache that allocates as entries arrive. With `max`,
 * lru-cache allocates its arrays for `max` entries at construction (some 45
 * bytes each: a million-session cap cost ~90 MiB before the first request);
 * with `maxSize` and every entry of size 1 the cap is the same (beyond it the
 * least recently used entry goes first) and the arrays grow with the entries.
 */
export function lruCap(entries: number) {
  return { maxSize: entries, sizeCalculation: one };
}

const one = (): number => 1;
