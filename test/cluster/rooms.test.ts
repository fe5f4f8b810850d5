import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster, type ClusterApp } from '../helpers/cluster.ts';
import { hawkFetch, register } from '../helpers/loop.ts';
import { basicOf, createRoom, roomAct, roomGet, roomJoin, roomPost } from '../loop/rooms/fixtures.ts';

// Three apps on one shared memory store and one SHARED_SECRET, with the §17
// Loop config: rooms must behave as on one server, the capacity check at join
// included (scale-out.md: "the room capacity check at join is atomic across nodes").
let cluster: Cluster;
let A: ClusterApp;
let B: ClusterApp;
let C: ClusterApp;
before(async () => {
  cluster = await startCluster(3, {}, {}, { loop: {}, storeLatencyMs: 20 });
  [A, B, C] = cluster.apps as [ClusterApp, ClusterApp, ClusterApp];
});
after(() => cluster.close());

const FULL = { code: 400, errno: 202, error: 'The room is full.' };

/** The owner's full view of a room, read through `app`. */
async function participantsSeenOn(app: ClusterApp, creds: Parameters<typeof hawkFetch>[1], token: string): Promise<string[]> {
  const r = await hawkFetch(app, creds, 'GET', `/v1/rooms/${token}`);
  assert.equal(r.status, 200, r.text);
  return (r.json.participants as { displayName: string }[]).map((p) => p.displayName).sort();
}

test('12 concurrent joins over 3 apps into a room of maxSize 2: exactly 2 get in, the others are told the room is full', async () => {
  const owner = await register(A);
  const token = await createRoom(A, owner.creds, { maxSize: 2 });
  // Open (keep-alive) connections first, as many per app as the race uses, so the joins arrive together.
  await Promise.all(cluster.apps.flatMap((app) => Array.from({ length: 5 }, () => roomGet(app, token))));
  // The owner (its seat is always kept) and 11 strangers, who race for the one other seat.
  const joins = [
    roomJoin(B, owner.creds, token, 2, 'owner'),
    ...Array.from({ length: 11 }, (_, i) =>
      roomPost(cluster.apps[i % 3]!, token, { action: 'join', displayName: `stranger-${i}`, clientMaxSize: 2 })),
  ];
  const results = await Promise.all(joins);
  const admitted = results.filter((r) => r.status === 200);
  assert.equal(admitted.length, 2, results.map((r) => r.status).join(','));
  assert.equal(results[0]!.status, 200, 'the owner gets its kept seat');
  for (const r of results.filter((x) => x.status !== 200)) assert.deepEqual(r.json, FULL);
  const seen = await participantsSeenOn(C, owner.creds, token);
  assert.equal(seen.length, 2);
  assert.ok(seen.includes('owner'));
  assert.deepEqual(await participantsSeenOn(A, owner.creds, token), seen, 'every app sees the same participants');
  // The stranger that got in holds the seat on every app: one more stranger is still refused.
  assert.deepEqual((await roomPost(C, token, { action: 'join', displayName: 'late', clientMaxSize: 2 })).json, FULL);
});

test('a join on A is visible through B; a leave on C is seen on A (Hawk and Basic participants)', async () => {
  const owner = await register(A);
  const guest = await register(B);
  const token = await createRoom(C, owner.creds, { maxSize: 5 });

  assert.equal((await roomJoin(A, guest.creds, token, 5, 'guest')).status, 200);
  const anon = await roomPost(A, token, { action: 'join', displayName: 'anon', clientMaxSize: 5 });
  assert.equal(anon.status, 200, anon.text);
  const basic = basicOf(anon.json.sessionToken);
  assert.deepEqual(await participantsSeenOn(B, owner.creds, token), ['anon', 'guest']);
  // The participants themselves are recognised on B: the Hawk one and the Basic token issued by A.
  assert.equal((await hawkFetch(B, guest.creds, 'GET', `/v1/rooms/${token}`)).status, 200);
  assert.equal((await roomGet(B, token, basic)).status, 200);
  assert.deepEqual((await roomPost(B, token, { action: 'refresh' }, basic)).json, { expires: 300 });

  assert.equal((await roomAct(C, guest.creds, token, { action: 'leave' })).status, 204);
  assert.deepEqual(await participantsSeenOn(A, owner.creds, token), ['anon']);
  assert.equal((await roomPost(C, token, { action: 'leave' }, basic)).status, 204);
  assert.deepEqual(await participantsSeenOn(A, owner.creds, token), []);
  assert.equal((await roomGet(A, token, basic)).status, 401, 'the Basic token left with its participant, on every app');
  assert.equal((await hawkFetch(A, guest.creds, 'GET', `/v1/rooms/${token}`)).status, 403, 'the Hawk guest is no longer a participant');
});
