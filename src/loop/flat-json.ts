/*
 * JSON text of flat answers (strings and numbers) with long tokens in them.
 * Node 20's JSON.stringify escapes strings at about 3.4 ns a character: a
 * 368-character provider token costs 1.25 µs, a room join's answer 1.9 µs.
 * Strings made only of characters JSON never escapes (base64, hex, URLs of
 * plain ASCII) are checked by one regex, at about 1 ns a character, and
 * copied as they are; any other string goes through JSON.stringify.
 */

/** Printable ASCII without '"' and '\\': copied into JSON text as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `value` as a JSON string literal, exactly as JSON.stringify writes it. */
export function jsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

type Flat<K extends string> = { readonly [P in K]?: string | number };

/**
 * A serializer for records with these keys: the text JSON.stringify gives
 * for a record whose keys were added in this order (absent ones skipped,
 * numbers that are not finite written as null).
 */
export function flatJson<K extends string>(keys: readonly K[]): (record: Flat<K>) => string {
  const prefixes = keys.map((key) => `${JSON.stringify(key)}:`);
  return (record) => {
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const value = record[keys[i]];
      if (value === undefined) continue;
      out += (out === '' ? '{' : ',') + prefixes[i] + (typeof value === 'string' ? jsonString(value) : Number.isFinite(value) ? String(value) : 'null');
    }
    return out === '' ? '{}' : out + '}';
  };
}
