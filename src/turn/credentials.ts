import { createHmac } from 'node:crypto';

/** TURN settings (until they move into Config). */
export interface TurnSettings {
  /** Shared secret configured in coturn as `static-auth-secret` (with `use-auth-secret`). */
  readonly secret: string;
  /** TURN/STUN URIs handed to clients, e.g. `turn:turn.example.org:3478?transport=udp`. */
  readonly urls: readonly string[];
  /** How long issued credentials stay valid, in seconds. Default 86400. */
  readonly ttlSec: number;
}

/** The answer of GET /turn-credentials (the fields of the TURN REST API draft, `urls` as in RTCIceServer). */
export interface TurnCredentials {
  /** `<expiry unix seconds>:<user>` */
  readonly username: string;
  /** base64(HMAC-SHA1(secret, username)) */
  readonly password: string;
  /** Seconds the credentials stay valid. */
  readonly ttl: number;
  readonly urls: readonly string[];
}

/**
 * Time-limited TURN credentials in the coturn REST-API scheme
 * (draft-uberti-behave-turn-rest): the TURN server recomputes the password
 * from the username with the same shared secret and refuses it after the
 * expiry written in the username. `nowMs` is wall-clock time (Date.now()),
 * because coturn compares the expiry with its own wall clock.
 */
export function turnCredentials(settings: TurnSettings, user: string, nowMs: number): TurnCredentials {
  const expiry = Math.floor(nowMs / 1000) + settings.ttlSec;
  const username = `${expiry}:${user}`;
  const password = createHmac('sha1', settings.secret).update(username).digest('base64');
  return { username, password, ttl: settings.ttlSec, urls: settings.urls };
}
