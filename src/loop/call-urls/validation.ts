import { loopErrors, type LoopError } from '../errors.ts';
import { WRONG_TYPE, type Given } from '../input.ts';

/** A POST /call-url or PUT /call-url/{token} request as read from its body; absent (or `null`) fields are absent. */
export interface CallUrlRequest {
  /** Hours as an integer (§0 "parse as integer"); NaN when the value does not parse (`null` included). */
  readonly expiresIn?: number;
  /** A non-string is WRONG_TYPE. */
  readonly callerId?: Given<string>;
  readonly issuer?: Given<string>;
  readonly subject?: Given<string>;
}

/** The text fields of a call URL, validated; absent ones are absent. */
export interface CallUrlText {
  readonly callerId?: string;
  readonly issuer?: string;
  readonly subject?: string;
}

const TEXT_FIELDS = ['callerId', 'issuer', 'subject'] as const;

/** §6.1 `expiresIn` (hours): `def` when absent, at most `max`. */
export function expiresInHours(expiresIn: number | undefined, def: number, max: number): number | LoopError {
  if (expiresIn === undefined) return def;
  // The original failed with a 503 on 0 or less; §6.1 asks for this 400 instead.
  if (Number.isNaN(expiresIn) || expiresIn <= 0) return loopErrors.invalid('expiresIn should be a valid number');
  if (expiresIn > max) return loopErrors.invalid(`expiresIn should be less than ${max}`);
  return expiresIn;
}

/**
 * callerId, issuer, subject in that order: another type than a string → 400
 * errno 107 (the original crashed); longer than `maxLength` (ours,
 * `limits.callUrlTextSize`, which bounds GET /call-url) → 400 errno 107.
 */
export function callUrlText(request: CallUrlRequest, maxLength: number): CallUrlText | LoopError {
  const out: { -readonly [K in keyof CallUrlText]: CallUrlText[K] } = {};
  for (const name of TEXT_FIELDS) {
    const v = request[name];
    if (v === undefined) continue;
    if (v === WRONG_TYPE) return loopErrors.invalid(`${name} should be a string`);
    if (v.length > maxLength) return loopErrors.invalid(`${name} should be shorter than ${maxLength} characters`);
    out[name] = v;
  }
  return out;
}
