/*
 * Nesting depth of JSON text, measured before parsing: one pass, no
 * recursion, no allocation. Brackets inside strings do not count. On
 * malformed JSON the count may be off, which is harmless: the parser that
 * runs next refuses that text anyway.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/** Whether UTF-8 JSON bytes nest arrays and objects deeper than `max` (a bare `{}` is depth 1). */
export function jsonBytesTooDeep(bytes: Uint8Array, max: number): boolean {
  return tooDeep(bytes.length, (i) => bytes[i], max);
}

/** The same over a JS string (UTF-8 continuation bytes and UTF-16 surrogates never look like ASCII). */
export function jsonTextTooDeep(text: string, max: number): boolean {
  return tooDeep(text.length, (i) => text.charCodeAt(i), max);
}

/** One pass, no recursion: only brackets outside strings count, and an escaped quote does not end a string. */
function tooDeep(length: number, codeAt: (i: number) => number, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < length; i++) {
    const c = codeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}
