/**
 * The Loop layer's view of the services the original server called out to
 * (loop-v1.md §11, §14). The Loop routes use only these interfaces; the
 * implementations live beside this file and are chosen from the config.
 * Failures are plain data ({status, errno, error}) that the Loop edge turns
 * into its `{code, errno, error}` bodies.
 */

import type { MaybeAsync } from '../../store/maybe-async.ts';

/** A failure in the Loop error vocabulary (§13). */
export interface LoopFailure {
  readonly ok: false;
  readonly status: number;
  readonly errno: number;
  /** The exact `error` string of the body. */
  readonly error: string;
  /** A `WWW-Authenticate` value to send, when the spec asks for one. */
  readonly wwwAuthenticate?: string;
}

/** §14.1, exactly as the spec gives it. */
export interface MediaProvider {
  /** Drives `GET /` "fakeTokBox". */
  readonly fake: boolean;
  /**
   * Rejects (any error) when the provider could not create a session after its retries: the caller answers 503 errno 201.
   * A provider that needs no network (the fake) answers at once.
   */
  createSession(channel: string): MaybeAsync<{ apiKey: string; sessionId: string }>;
  /**
   * `expireTime` is absolute, in unix seconds (now + `tokBox.tokenDurationSec`).
   * Throws only when the session is not one this provider can sign for.
   */
  createToken(sessionId: string, channel: string, role: 'publisher' | 'moderator', expireTime: number): string;
  /** For the api-key rotation check of §8.10. */
  currentApiKey(channel: string): string;
  /** For /__heartbeat__; rejects when the provider does not answer. */
  ping(): Promise<void>;
}

/** §11: plain `PUT version=N` wake-ups. Fire-and-forget: never throws, never awaited by a response. */
export interface PushNotifier {
  /** Sends `version` to every URL (duplicates removed, only http:/https:). */
  notify(urls: readonly string[], version: number): void;
  /** Resolves when every notification in flight has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/** §3.9 / §14.2: the outcome of an `Authorization: BrowserID …` header. */
export type BrowserIdOutcome = { readonly ok: true; readonly identity: string } | LoopFailure;

export interface BrowserIdVerifier {
  readonly mode: 'off' | 'fake' | 'remote';
  /** `header` is the whole Authorization value (`BrowserID <assertion>`). */
  verify(header: string): Promise<BrowserIdOutcome>;
}

/** §9 steps 3–4 / §14.3: trading an OAuth code for a token and the profile's email. */
export type FxaExchangeOutcome =
  | {
      readonly ok: true;
      readonly tokenType: string;
      readonly accessToken: string;
      readonly scope: string;
      readonly email: string;
    }
  | LoopFailure;

export interface FxaOAuthClient {
  readonly mode: 'remote' | 'fake';
  exchange(code: string): Promise<FxaExchangeOutcome>;
}
