import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Peer, done, metricValue, metrics } from '../helpers/inbox-client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// 100 Alice/Bob pairs run a full offer / answer / 10-candidate exchange each
// way through long-polls, all at once. Bounded: fixed message count, a
// deadline per receive, and a test timeout.
const PAIRS = 100;
const CANDIDATES = 10;
const DEADLINE_MS = 40_000;

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

interface Got {
  readonly from: string;
  readonly body: string;
}

/** Long-polls until `count` messages arrived (or the deadline passes). */
async function receive(p: Peer, count: number, deadline: number): Promise<Got[]> {
  const got: Got[] = [];
  while (got.length < count) {
    if (Date.now() > deadline) throw new Error(`${p.name}: only ${got.length} of ${count} messages before the deadline`);
    const r = await done(p.read({ wait: 5 }));
    if (r.status === 204) continue;
    assert.equal(r.status, 200, `${p.name}: ${r.status} ${r.text}`);
    got.push({ from: r.headers.get('x-from') ?? '', body: r.text });
  }
  return got;
}

async function send(from: Peer, to: Peer, body: object): Promise<void> {
  const r = await done(from.send(to.name, JSON.stringify(body), 'application/json'));
  assert.equal(r.status, 204, `${from.name} → ${to.name}: ${r.status} ${r.text}`);
}

const candidates = (pair: number, who: string) =>
  Array.from({ length: CANDIDATES }, (_, i) => ({ type: 'candidate', pair, who, seq: i, candidate: `candidate:${i} 1 udp 2122260223 10.0.0.${pair % 250} ${50000 + i} typ host` }));

async function runPair(pair: number, deadline: number): Promise<{ alice: Got[]; bob: Got[] }> {
  const alice = new Peer(server.url, `soak-alice-${pair}`);
  const bob = new Peer(server.url, `soak-bob-${pair}`);
  assert.equal((await done(alice.read())).status, 204);
  assert.equal((await done(bob.read())).status, 204);
  const aliceSide = (async () => {
    await send(alice, bob, { type: 'offer', pair, sdp: `v=0 offer ${pair}` });
    const first = await receive(alice, 1, deadline); // the answer
    for (const c of candidates(pair, 'alice')) await send(alice, bob, c);
    return [...first, ...(await receive(alice, CANDIDATES, deadline))];
  })();
  const bobSide = (async () => {
    const first = await receive(bob, 1, deadline); // the offer
    await send(bob, alice, { type: 'answer', pair, sdp: `v=0 answer ${pair}` });
    for (const c of candidates(pair, 'bob')) await send(bob, alice, c);
    return [...first, ...(await receive(bob, CANDIDATES, deadline))];
  })();
  const [a, b] = await Promise.all([aliceSide, bobSide]);
  return { alice: a, bob: b };
}

test(`soak: ${PAIRS} concurrent pairs trade offer, answer and ${CANDIDATES} candidates each way; nothing lost, duplicated or reordered`, { timeout: 50_000 }, async () => {
  const deadline = Date.now() + DEADLINE_MS;
  const results = await Promise.all(Array.from({ length: PAIRS }, (_, pair) => runPair(pair, deadline)));
  results.forEach(({ alice, bob }, pair) => {
    assert.deepEqual(alice.map((g) => g.from), Array(1 + CANDIDATES).fill(`soak-bob-${pair}`));
    assert.deepEqual(bob.map((g) => g.from), Array(1 + CANDIDATES).fill(`soak-alice-${pair}`));
    assert.deepEqual(alice.map((g) => JSON.parse(g.body)), [{ type: 'answer', pair, sdp: `v=0 answer ${pair}` }, ...candidates(pair, 'bob')]);
    assert.deepEqual(bob.map((g) => JSON.parse(g.body)), [{ type: 'offer', pair, sdp: `v=0 offer ${pair}` }, ...candidates(pair, 'alice')]);
  });
  // nothing extra is left behind in any inbox (no duplicates waiting)
  const m = await metrics(server.url);
  assert.equal(metricValue(m, 'signalbox_messages_queued'), 0);
  assert.equal(metricValue(m, 'signalbox_inboxes'), PAIRS * 2);
  assert.equal(metricValue(m, 'signalbox_http_requests_total', '{route="POST /inbox",status="204"}'), PAIRS * 2 * (1 + CANDIDATES));
});
