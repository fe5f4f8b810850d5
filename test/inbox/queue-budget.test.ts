import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Peer, done, metrics, metricValue } from '../helpers/inbox-client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { inboxReady } from '../inbox-ws/ws-helpers.ts';

const T = { timeout: 20_000 };
const BUDGET = 10_000;
const SIZE = 1000;
let server: TestServer;
before(async () => {
  server = await startServer({ MAX_QUEUED_BYTES: String(BUDGET), INBOX_CAPACITY: '100' });
});
after(() => server.close());

const peer = (name: string) => new Peer(server.url, name);
const body = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(SIZE - 4)}`;

test('MAX_QUEUED_BYTES: sends past the budget get 503 + Retry-After; nothing queued is lost; after reading, sends are accepted again', T, async () => {
  const readers = [peer('qb-a'), peer('qb-b')];
  for (const r of readers) assert.equal((await done(r.read())).status, 204); // both inboxes exist
  const sender = peer('qb-sender');
  // 10 messages of 1000 bytes fill the 10,000-byte budget, spread over two inboxes.
  for (let i = 0; i < 10; i++) assert.equal((await done(sender.send(readers[i % 2].name, body(i)))).status, 204, `message ${i}`);
  const refused = await done(sender.send('qb-a', 'one byte more'));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.deepEqual(JSON.parse(refused.text), { code: 503, error: 'queue_budget_full', message: JSON.parse(refused.text).message });
  // A WebSocket send is refused the same way, and the socket stays open.
  const ws = await inboxReady(server, 'qb-ws');
  ws.send({ type: 'send', id: 'w1', to: 'qb-b', data: 'y' });
  const answer = await ws.next();
  assert.deepEqual([answer.type, answer.id, answer.code, answer.error], ['error', 'w1', 503, 'queue_budget_full']);
  const text = await metrics(server.url);
  assert.equal(metricValue(text, 'signalbox_queued_bytes'), BUDGET);
  assert.equal(metricValue(text, 'signalbox_messages_queued'), 10);

  // Every earlier message is delivered, in order, per inbox.
  const a = await readAll(readers[0]);
  assert.deepEqual(a.map((t) => Number(t.slice(0, 4))), [0, 2, 4, 6, 8]);
  assert.ok(a.every((t) => t.length === SIZE));
  assert.equal(metricValue(await metrics(server.url), 'signalbox_queued_bytes'), BUDGET / 2);
  // Room came back: half the budget is free.
  for (let i = 10; i < 15; i++) assert.equal((await done(sender.send('qb-a', body(i)))).status, 204, `message ${i}`);
  assert.equal((await done(sender.send('qb-a', 'z'))).status, 503);
  ws.send({ type: 'send', id: 'w2', to: 'qb-b', data: 'y' });
  assert.equal((await ws.next()).code, 503);
  const b = await readAll(readers[1]);
  assert.deepEqual(b.map((t) => Number(t.slice(0, 4))), [1, 3, 5, 7, 9]);
  ws.send({ type: 'send', id: 'w3', to: 'qb-b', data: 'y' });
  assert.deepEqual(await ws.next(), { type: 'sent', id: 'w3' });
  assert.deepEqual((await readAll(readers[0])).map((t) => Number(t.slice(0, 4))), [10, 11, 12, 13, 14]);
  assert.deepEqual(await readAll(readers[1]), ['y']);
  assert.equal(metricValue(await metrics(server.url), 'signalbox_queued_bytes'), 0);
  ws.close();
});

test('MAX_QUEUED_BYTES: deleting an inbox gives its bytes back', T, async () => {
  const victim = peer('qb-del');
  await done(victim.read());
  const sender = peer('qb-sender2');
  for (let i = 0; i < 10; i++) assert.equal((await done(sender.send('qb-del', body(i)))).status, 204);
  assert.equal((await done(sender.send('qb-del', 'z'))).status, 503);
  assert.equal((await done(victim.remove())).status, 204);
  assert.equal(metricValue(await metrics(server.url), 'signalbox_queued_bytes'), 0);
  await done(victim.read());
  assert.equal((await done(sender.send('qb-del', 'z'))).status, 204);
});

async function readAll(p: Peer): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await done(p.read());
    if (r.status === 204) return out;
    assert.equal(r.status, 200);
    out.push(r.text);
  }
}
