import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { Peer, done, exists, track } from '../helpers/inbox-client.ts';
import { inboxReady } from '../inbox-ws/ws-helpers.ts';
import { eventually } from '../helpers/eventually.ts';

// Three apps on one shared memory store and one SHARED_SECRET: every inbox
// rule must hold across them as it does within one server.
let cluster: Cluster;
let A: string;
let B: string;
let C: string;
before(async () => {
  // inbox-waiting-store.test.ts runs these same tests on a store that answers after a delay.
  cluster = await startCluster(3, { MAX_INBOXES: '50' }, {}, { storeLatencyMs: Number(process.env.CLUSTER_STORE_LATENCY_MS ?? 0) });
  [A, B, C] = cluster.apps.map((a) => a.url);
});
after(() => cluster.close());

let seq = 0;
const fresh = (what: string) => `${what}-${++seq}`;

test('an inbox made on one app authenticates on another; a wrong password is refused there too', async () => {
  const name = fresh('auth');
  assert.equal((await done(new Peer(A, name, 'pw').read())).status, 204);
  assert.equal((await done(new Peer(B, name, 'pw').read())).status, 204);
  assert.equal((await done(new Peer(C, name, 'other').read())).status, 401);
});

test('takeover across apps: long-poll on A by long-poll on B (the older read answers 204)', async () => {
  const name = fresh('lp-lp');
  const older = track(done(new Peer(A, name, 'pw').read({ wait: 20 })));
  await eventually(async () => exists(C, name), 'inbox created');
  const newer = track(done(new Peer(B, name, 'pw').read({ wait: 20 })));
  assert.equal((await older.promise).status, 204);
  assert.equal((await done(new Peer(C, 'sender', 'pw').send(name, 'hi'))).status, 204);
  const got = await newer.promise;
  assert.equal(got.status, 200);
  assert.equal(got.text, 'hi');
});

test('takeover across apps: WebSocket on A by long-poll on B (the socket closes 4409)', async () => {
  const name = fresh('ws-lp');
  const socket = await inboxReady(cluster.apps[0], name);
  const poll = track(done(new Peer(B, name, 'pw').read({ wait: 20 })));
  const { code } = await socket.closed;
  assert.equal(code, 4409);
  assert.equal((await done(new Peer(C, 'sender', 'pw').send(name, 'to the poll'))).status, 204);
  assert.equal((await poll.promise).text, 'to the poll');
});

test('takeover across apps: long-poll on A by WebSocket on B (the poll answers 204)', async () => {
  const name = fresh('lp-ws');
  const poll = track(done(new Peer(A, name, 'pw').read({ wait: 20 })));
  await eventually(async () => exists(C, name), 'inbox created');
  const socket = await inboxReady(cluster.apps[1], name, 'pw');
  assert.equal((await poll.promise).status, 204);
  assert.equal((await done(new Peer(C, 'sender', 'pw').send(name, 'to the socket'))).status, 204);
  const frame = await socket.next();
  assert.equal(frame.data, 'to the socket');
  socket.close();
});

test('takeover across apps: WebSocket on A by WebSocket on B', async () => {
  const name = fresh('ws-ws');
  const first = await inboxReady(cluster.apps[0], name);
  const second = await inboxReady(cluster.apps[1], name);
  assert.equal((await first.closed).code, 4409);
  assert.equal((await done(new Peer(C, 'sender', 'pw').send(name, 'second'))).status, 204);
  assert.equal((await second.next()).data, 'second');
  second.close();
});

test('DELETE on A answers a long-poll on B (204) and closes a socket on C (4404)', async () => {
  const polled = fresh('del-lp');
  const poll = track(done(new Peer(B, polled, 'pw').read({ wait: 20 })));
  await eventually(async () => exists(A, polled), 'inbox created');
  assert.equal((await done(new Peer(A, polled, 'pw').remove())).status, 204);
  assert.equal((await poll.promise).status, 204);

  const socketed = fresh('del-ws');
  const socket = await inboxReady(cluster.apps[2], socketed);
  assert.equal((await done(new Peer(A, socketed, 'pw').remove())).status, 204);
  assert.equal((await socket.closed).code, 4404);
});

test('FIFO and exactly-once with senders on every app and readers moving between apps', async () => {
  const name = fresh('fifo');
  assert.equal((await done(new Peer(A, name, 'pw').read())).status, 204);
  const sent: string[] = [];
  for (let i = 0; i < 30; i++) {
    const via = [A, B, C][i % 3];
    const body = `m${i}`;
    assert.equal((await done(new Peer(via, `s${i % 3}`, 'pw').send(name, body))).status, 204);
    sent.push(body);
  }
  const got: string[] = [];
  for (let i = 0; got.length < sent.length && i < 100; i++) {
    const r = await done(new Peer([C, A, B][i % 3], name, 'pw').read());
    if (r.status === 200) got.push(r.text);
  }
  assert.deepEqual(got, sent);
  assert.equal((await done(new Peer(B, name, 'pw').read())).status, 204, 'nothing left');
});

test('MAX_INBOXES is counted across apps', async () => {
  const stats = await cluster.stores.inbox.stats();
  const room = 50 - stats.inboxes;
  for (let i = 0; i < room; i++) {
    assert.equal((await done(new Peer([A, B, C][i % 3], fresh('fill'), 'pw').read())).status, 204);
  }
  assert.equal((await done(new Peer(B, fresh('one-too-many'), 'pw').read())).status, 503);
  assert.equal((await done(new Peer(C, fresh('one-too-many'), 'pw').read())).status, 503);
  // Make room again for any case that runs after this one.
  await cluster.stores.inbox.sweep();
});

test('an app that crashes while holding a long-poll stops keeping the inbox alive when its lease lapses', async () => {
  const time = new FakeTime();
  const crashy = await startCluster(2, { INBOX_TTL: '60', MAX_WAIT: '30' }, { clock: time });
  try {
    const [a, b] = crashy.apps;
    const name = fresh('crash');
    void new Peer(a.url, name, 'pw').read({ wait: 30 }).then((r) => r.text(), () => undefined);
    await eventually(async () => exists(b.url, name), 'inbox created');
    await a.crash();
    // The claim's lease is the wait plus 5 s within MAX_WAIT (here the wait is MAX_WAIT); then the idle TTL runs:
    // at most INBOX_TTL + MAX_WAIT after the crash.
    time.advance(30_000 + 60_000 - 1);
    assert.equal(await exists(b.url, name), true, 'alive within lease + TTL');
    time.advance(1);
    assert.equal(await exists(b.url, name), false, 'expired once lease + TTL passed');
  } finally {
    await crashy.close();
  }
});
