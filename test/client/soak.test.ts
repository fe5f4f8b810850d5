import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { InboxClient, type InboxMessage } from '../../src/client/index.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// The soak of the inbox test suite, through the client library: 100 pairs run
// an offer / answer / 10-candidate exchange each way at once; Alice on the
// WebSocket transport, Bob on long-polling, so both paths carry traffic and
// talk to each other. Bounded: fixed counts and a deadline per receive.
const PAIRS = 100;
const CANDIDATES = 10;
const RECEIVE_MS = 30_000;

let server: TestServer;
const clients: InboxClient[] = [];
before(async () => {
  server = await startServer({ MAX_WAIT: '5' });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

function peer(username: string, transport: 'websocket' | 'poll'): InboxClient {
  const c = new InboxClient({ url: server.url, username, password: `pw-${username}`, transport, WebSocket, pollWaitSec: 5 });
  clients.push(c);
  return c;
}

/** The next `count` messages of the iterator, failing past the deadline. */
async function take(it: AsyncIterator<InboxMessage>, count: number, who: string): Promise<{ from: string; body: Record<string, unknown> }[]> {
  const got: { from: string; body: Record<string, unknown> }[] = [];
  const deadline = Date.now() + RECEIVE_MS;
  while (got.length < count) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${who}: ${got.length} of ${count} messages before the deadline`)), Math.max(1, deadline - Date.now()));
    });
    const next = await Promise.race([it.next(), late]).finally(() => clearTimeout(timer));
    if (next.done) throw new Error(`${who}: the message stream ended`);
    got.push({ from: next.value.from, body: next.value.json() as Record<string, unknown> });
  }
  return got;
}

const candidates = (pair: number, who: string) => Array.from({ length: CANDIDATES }, (_, seq) => ({ type: 'candidate', pair, who, seq }));

async function runPair(pair: number) {
  const names = { alice: `csoak-alice-${pair}`, bob: `csoak-bob-${pair}` };
  const alice = peer(names.alice, 'websocket');
  const bob = peer(names.bob, 'poll');
  await Promise.all([alice.start(), bob.start()]);
  const aliceIn = alice.messages();
  const bobIn = bob.messages();
  const aliceSide = (async () => {
    await alice.send(names.bob, JSON.stringify({ type: 'offer', pair }), 'application/json');
    const answer = await take(aliceIn, 1, `alice ${pair}`);
    for (const c of candidates(pair, 'alice')) await alice.send(names.bob, JSON.stringify(c), 'application/json');
    return [...answer, ...(await take(aliceIn, CANDIDATES, `alice ${pair}`))];
  })();
  const bobSide = (async () => {
    const offer = await take(bobIn, 1, `bob ${pair}`);
    await bob.send(names.alice, JSON.stringify({ type: 'answer', pair }), 'application/json');
    for (const c of candidates(pair, 'bob')) await bob.send(names.alice, JSON.stringify(c), 'application/json');
    return [...offer, ...(await take(bobIn, CANDIDATES, `bob ${pair}`))];
  })();
  const [aliceGot, bobGot] = await Promise.all([aliceSide, bobSide]);
  return { names, aliceGot, bobGot };
}

test(`${PAIRS} pairs through InboxClient (WebSocket ↔ long-poll): nothing lost, duplicated or reordered`, { timeout: 60_000 }, async () => {
  const results = await Promise.all(Array.from({ length: PAIRS }, (_, pair) => runPair(pair)));
  for (const [pair, { names, aliceGot, bobGot }] of results.entries()) {
    assert.deepEqual(bobGot, [
      { from: names.alice, body: { type: 'offer', pair } },
      ...candidates(pair, 'alice').map((c) => ({ from: names.alice, body: c })),
    ]);
    assert.deepEqual(aliceGot, [
      { from: names.bob, body: { type: 'answer', pair } },
      ...candidates(pair, 'bob').map((c) => ({ from: names.bob, body: c })),
    ]);
  }
  assert.equal(results.length, PAIRS);
});
