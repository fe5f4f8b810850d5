// Differential check of the two Loop stores (sessions, push URLs, call URLs, nonces): random sequences of
// every LoopStore call, run on the memory store and on the Redis store side by side on one fake clock,
// must give the same answers. The limits stay roomy: past a cap each backend pushes out a different
// entry on purpose (docs/scale-out.md, "Limits").
import fc from 'fast-check';
import type { LoopStore, PushTopic, PushUrls, SessionPatch } from '../../src/store/loop.ts';
import { MemoryLoopStore } from '../../src/store/memory/loop.ts';
import { RedisLoopStore } from '../../src/store/redis/loop.ts';
import type { FakeTime } from '../helpers/fake-time.ts';
import { differentialTest } from './differential.ts';
import { ROOMY, callUrl, session } from './loop-store-fixtures.ts';

const ttl = fc.constantFrom(1000, 5000, 60_000);
const id = fc.constantFrom('s1', 's2', 's3');
const user = fc.constantFrom('u1', 'u2');
const token = fc.constantFrom('c1', 'c2', 'c3');
const topic = fc.constantFrom<PushTopic>('calls', 'rooms');

type Op =
  | { op: 'createSession'; id: string; user: string; ttl: number }
  | { op: 'getSession'; id: string }
  | { op: 'touchSession'; id: string; ttl: number }
  | { op: 'updateSession'; id: string; patch: SessionPatch }
  | { op: 'deleteSession'; id: string }
  | { op: 'setPush'; user: string; id: string; urls: PushUrls }
  | { op: 'deletePush'; user: string; id: string }
  | { op: 'deleteUserPush'; user: string }
  | { op: 'push'; user: string; topic: PushTopic }
  | { op: 'putUrl'; token: string; user: string; ttl: number; maxPerUser?: number }
  | { op: 'countUrls'; user: string }
  | { op: 'getUrl'; token: string }
  | { op: 'deleteUrl'; token: string }
  | { op: 'listUrls'; user: string }
  | { op: 'deleteUserUrls'; user: string }
  | { op: 'nonce'; key: string; ttl: number }
  | { op: 'advance'; ms: number }
  | { op: 'sweep' };

const patch: fc.Arbitrary<SessionPatch> = fc.constantFrom<SessionPatch>(
  { identity: 'alice@example.com', userKey: 'u2' }, { oauthState: 'f'.repeat(64) }, { oauthToken: 'token' }, { userKey: 'u1' },
);
const urls: fc.Arbitrary<PushUrls> = fc.constantFrom<PushUrls>(
  { calls: 'https://push.example/1' }, { rooms: 'https://push.example/2' }, { calls: 'https://push.example/3', rooms: 'https://push.example/3' },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('createSession' as const), id, user, ttl }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('getSession' as const), id }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('touchSession' as const), id, ttl }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('updateSession' as const), id, patch }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteSession' as const), id }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('setPush' as const), user, id, urls }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deletePush' as const), user, id }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteUserPush' as const), user }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('push' as const), user, topic }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('putUrl' as const), token, user, ttl, maxPerUser: fc.option(fc.constantFrom(1, 2), { nil: undefined }) }, { requiredKeys: ['op', 'token', 'user', 'ttl'] }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('countUrls' as const), user }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('getUrl' as const), token }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteUrl' as const), token }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('listUrls' as const), user }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteUserUrls' as const), user }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('nonce' as const), key: fc.constantFrom('n1', 'n2'), ttl }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1, 999, 1000, 4000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const) }) },
);

/** One call on one store, its answer in a form both backends must give alike. */
async function apply(store: LoopStore, o: Op, time: FakeTime): Promise<unknown> {
  switch (o.op) {
    case 'createSession':
      return store.createSession(o.id, session(o.id, o.user), o.ttl);
    case 'getSession':
      return store.getSession(o.id);
    case 'touchSession':
      return store.touchSession(o.id, o.ttl);
    case 'updateSession':
      return store.updateSession(o.id, o.patch);
    case 'deleteSession':
      return store.deleteSession(o.id);
    case 'setPush':
      return store.setPushUrls(o.user, o.id, o.urls);
    case 'deletePush':
      return store.deletePushUrls(o.user, o.id);
    case 'deleteUserPush':
      return store.deleteUserPushUrls(o.user);
    case 'push':
      return [...(await store.pushUrls(o.user, o.topic))].sort();
    case 'putUrl': {
      const nowSec = Math.floor(time.now() / 1000);
      return store.putCallUrl({ ...callUrl(o.token, o.user), timestamp: nowSec, expires: nowSec + o.ttl / 1000 }, o.ttl, o.maxPerUser);
    }
    case 'countUrls':
      return store.countCallUrls(o.user);
    case 'getUrl':
      return store.getCallUrl(o.token);
    case 'deleteUrl':
      return store.deleteCallUrl(o.token);
    case 'listUrls':
      return [...(await store.listCallUrls(o.user))].sort((a, b) => a.token.localeCompare(b.token));
    case 'deleteUserUrls':
      return store.deleteUserCallUrls(o.user);
    case 'nonce':
      return store.claimNonce(o.key, o.ttl);
    case 'advance':
      return undefined;
    case 'sweep':
      await store.sweep();
      return store.stats();
  }
}

await differentialTest({ what: 'Loop stores', ops: opArb, apply, memory: (time) => new MemoryLoopStore({ clock: time, limits: ROOMY }), redis: (time, redis) => new RedisLoopStore({ clock: time, limits: ROOMY, redis }) });
