import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { AppError, errors } from '../errors.ts';
import { hmacSha256 } from '../crypto/hmac.ts';

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

/**
 * Turns passwords into keyed hashes (HMAC-SHA-256). The key is random per
 * process unless a shared one is given (several nodes on one store).
 */
export class CredentialHasher {
  readonly #key: Buffer;
  constructor(key: Uint8Array = randomBytes(32)) {
    this.#key = Buffer.from(key);
  }

  /**
   * Validates username and password and hashes them into an Owner. `joined`,
   * when the caller has it, is `username:password` as bytes: hashing it in one
   * update is measurably cheaper on the request path.
   */
  owner(username: string, password: Uint8Array, joined?: Uint8Array): Owner | AppError {
    const badName = usernameProblem(username);
    if (badName) return errors.invalidUsername(badName);
    const badPassword = passwordProblem(password);
    if (badPassword) return errors.invalidPassword(badPassword);
    const message = joined ?? Buffer.concat([Buffer.from(`${username}:`, 'latin1'), password]);
    const secret = hmacSha256(this.#key, message, 'binary');
    return { name: username, secret };
  }
}
