import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { latin1Slice } from '../bytes.ts';
import { sipHash128, sipHashKey } from '../crypto/siphash.ts';
import { AppError, errors } from '../errors.ts';
import { decodeBasicAuthInto, fitsDecoded, NO_COLON, parseBasicAuth } from '../http/basic-auth.ts';

export const MAX_USERNAME = 256;
export const MAX_PASSWORD_BYTES = 1024;

/**
 * Why `name` is not a valid inbox name, or null when it is: 1 to 256 printable
 * ASCII characters (0x21–0x7E) except ':'. Names end up in X-From headers, so
 * nothing that could break a header (CR, LF, NUL, space, non-ASCII) gets in.
 */
export function usernameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_USERNAME) return `it is longer than ${MAX_USERNAME} characters`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x3a) return `character ${i + 1} (code ${c}) is not allowed`;
  }
  return null;
}

export function passwordProblem(password: Uint8Array): string | null {
  if (password.length === 0) return 'it is empty';
  if (password.length > MAX_PASSWORD_BYTES) return `it is longer than ${MAX_PASSWORD_BYTES} bytes`;
  return isUtf8(password) ? null : 'it is not valid UTF-8';
}

/** A validated owner: the inbox name and the keyed hash that stands for the password. */
export interface Owner {
  readonly name: string;
  readonly secret: string;
}

/** Room for `username:password`: the longest valid pair (256 + 1 + 1024 bytes) and more. */
const ROOM = 2048;

/**
 * Turns credentials into keyed hashes: SipHash-2-4-128 of `username:password`
 * under a 16-byte key, computed in JavaScript (about a quarter of what a call
 * into native SHA-256 costs on a password-sized input). SipHash is a
 * pseudo-random function built for short inputs: without the key a digest
 * reveals nothing about its password, and nobody can make credentials that
 * hash to a given digest but by guessing, one request per guess, among 2^128
 * (the README's "Credentials"). The key is random per process unless a shared
 * one is given (several nodes on one store).
 */
export class CredentialHasher {
  /** username:password, decoded in place on each request (synchronous, never held across an await). */
  readonly #scratch = Buffer.alloc(ROOM);
  readonly #key: Int32Array;

  constructor(key: Uint8Array = randomBytes(16)) {
    this.#key = sipHashKey(key);
  }

  /** Validates username and password and hashes them into an Owner. */
  owner(username: string, password: Uint8Array): Owner | AppError {
    const badName = usernameProblem(username);
    if (badName) return errors.invalidUsername(badName);
    const badPassword = passwordProblem(password);
    if (badPassword) return errors.invalidPassword(badPassword);
    const scratch = this.#scratch;
    const colon = scratch.write(username, 0, 'latin1');
    scratch[colon] = 0x3a;
    scratch.set(password, colon + 1);
    return { name: username, secret: sipHash128(this.#key, scratch, 0, colon + 1 + password.length) };
  }

  /**
   * The Owner of an `Authorization: Basic …` header, or why there is none
   * (401 missing credentials, 400 invalid username or password). Decodes and
   * hashes in the scratch buffer: the request path's only allocations are
   * the name and the digest.
   */
  ownerOfBasic(header: string): Owner | AppError {
    if (!fitsDecoded(header, ROOM)) {
      const creds = parseBasicAuth(header);
      return typeof creds === 'string' ? errors.missingCredentials(creds) : this.owner(creds.username, creds.password);
    }
    const scratch = this.#scratch;
    const end = decodeBasicAuthInto(header, scratch, 0);
    if (typeof end === 'string') return errors.missingCredentials(end);
    // One pass over the name's bytes finds the ':' and sees whether the name is plainly valid (usernameProblem
    // says why it is not); a password of ASCII bytes needs no UTF-8 check. Each avoids a call into native code.
    let colon = 0;
    let plainName = true;
    for (; colon < end; colon++) {
      const c = scratch[colon];
      if (c === 0x3a) break;
      if (c < 0x21 || c > 0x7e) plainName = false;
    }
    if (colon === end) return errors.missingCredentials(NO_COLON);
    const username = latin1Slice(scratch, 0, colon);
    if (!plainName || colon === 0 || colon > MAX_USERNAME) {
      const badName = usernameProblem(username);
      if (badName) return errors.invalidUsername(badName);
    }
    let plainPassword = end > colon + 1 && end - colon - 1 <= MAX_PASSWORD_BYTES;
    for (let i = colon + 1; plainPassword && i < end; i++) if (scratch[i] > 0x7f) plainPassword = false;
    if (!plainPassword) {
      const badPassword = passwordProblem(scratch.subarray(colon + 1, end));
      if (badPassword) return errors.invalidPassword(badPassword);
    }
    return { name: username, secret: sipHash128(this.#key, scratch, 0, end) };
  }
}
