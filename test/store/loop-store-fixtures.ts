import type { CallUrlRecord, LoopStore, SessionRecord } from '../../src/store/loop.ts';
import type { FakeTime } from '../helpers/fake-time.ts';
import type { Cases, Skip } from './contract-cases.ts';

/** The caps the contract speaks of (src/store/loop.ts): never-used sessions, used sessions, nonces; and entry caps. */
export interface LoopStoreLimits {
  /** Used sessions: past it a touched session stays never-used. */
  readonly sessions: number;
  /** Never-used sessions: past it the oldest of them is evicted. */
  readonly unusedSessions: number;
  readonly callUrls: number;
  /** Live nonces: past it a claim is 'full'. */
  readonly nonces: number;
}

export interface LoopStoreContract {
  /** Backend name, the prefix of every case. */
  readonly name: string;
  /** Builds a fresh backend; every lifetime is measured on `clock`. */
  readonly make: (o: { readonly limits: LoopStoreLimits; readonly clock: FakeTime }) => LoopStore;
  /** Cases this backend cannot pass, with the reason. */
  readonly skip?: readonly Skip[];
}

/** A fresh store on a fresh clock (at 0), with `limits` over roomy defaults. */
export type LoopSetup = (limits?: Partial<LoopStoreLimits>) => { store: LoopStore; time: FakeTime };
export type LoopCases = Cases<LoopSetup>;

export const ROOMY: LoopStoreLimits = { sessions: 100, unusedSessions: 100, callUrls: 100, nonces: 100 };

export const session = (id: string, userKey = `user-${id}`): SessionRecord => ({ key: 'a'.repeat(64), idHmac: `hmac-${id}`, userKey });
export const callUrl = (token: string, userKey = 'u1', issuer = 'issuer'): CallUrlRecord => ({
  token, userKey, issuer, callerId: 'caller', subject: 'subject', timestamp: 1, expires: 2,
});
export const sorted = (xs: readonly string[]): string[] => [...xs].sort();
