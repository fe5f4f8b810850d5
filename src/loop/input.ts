/**
 * Typed request inputs: what the route-side parsers hand the Loop domains.
 *
 * A parser only reads the JSON shape of a field; the domain applies the
 * rules and chooses the message. A field present with the wrong JSON type
 * is passed on as WRONG_TYPE rather than refused by the parser, so that the
 * domain reports it in the spec's order among its other checks (a too long
 * roomName is named before a roomOwner that is no string).
 */
export const WRONG_TYPE: unique symbol = Symbol('wrong type');

/** A present field of the expected type, or WRONG_TYPE; absent fields are `undefined`. */
export type Given<T> = T | typeof WRONG_TYPE;

/** A value as JSON (or a urlencoded form, all strings) can carry it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
