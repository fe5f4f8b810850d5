import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Peer, done, exists, metricValue, metrics, rawExchange } from '../helpers/inbox-client.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/eventually.ts';

// Bad and heavy inputs, each bounded in count (and by a per-test timeout).
const T = { timeout: 30_000 };

describe('many concurrent long-polls', () => {
  let server: TestServer;
  let time: FakeTime;
  let base = 0;
  before(async () => {
    time = new FakeTime();
    server = await startServer({ MAX_WAIT: '30' }, { clock: time, timers: time });
    base = time.pendingCount;
  });
  after(() => server.close());

  test('500 inboxes each with a waiting GET: every one is answered with its own message', T, async () => {
    const N = 500;
    const peers = Array.from({ length: N }, (_, i) => new Peer(server.url, `lp-${i}`));
    const polls = peers.map((p) => done(p.read({ wait: 30 })));
    await eventually(() => time.pendingCount === base + N, `${N} waiting long-polls`, 20_000);
    assert.equal(metricValue(await metrics(server.url), 'signalbox_long_polls_waiting'), N);
    const sender = new Peer(server.url, 'lp-sender');
    const sent = await Promise.all(peers.map((_, i) => done(sender.send(`lp-${i}`, `for ${i}`))));
    assert.ok(sent.every((r) => r.status === 204));
    const got = await Promise.all(polls);
    got.forEach((r, i) => {
      assert.equal(r.status, 200, `lp-${i}`);
      assert.equal(r.text, `for ${i}`);
    });
    assert.equal(time.pendingCount, base, 'every wait timer was cleared');
    assert.equal(metricValue(await metrics(server.url), 'signalbox_long_polls_waiting'), 0);
  });
});

describe('a flood of new names past MAX_INBOXES', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ MAX_INBOXES: '50' });
  });
  after(() => server.close());

  test('200 concurrent new names: exactly 50 get in, the rest 503 with Retry-After; nobody is evicted, nothing dropped', T, async () => {
    const peers = Array.from({ length: 200 }, (_, i) => new Peer(server.url, `fl-${i}`));
    const results = await Promise.all(peers.map((p) => done(p.read())));
    const ok = peers.filter((_, i) => results[i].status === 204);
    const refused = results.filter((r) => r.status === 503);
    assert.equal(ok.length, 50);
    assert.equal(refused.length, 150);
    for (const r of refused) {
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(JSON.parse(r.text).error, 'too_many_inboxes');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    }
    // the 50 trade messages among themselves (no new inbox needed)
    for (let i = 0; i < ok.length; i++) {
      assert.equal((await done(ok[i].send(ok[(i + 1) % ok.length].name, `from ${ok[i].name}`))).status, 204);
    }
    // a second wave of new names, as GETs and as POSTs (the sender would be new): all refused
    const wave = await Promise.all(Array.from({ length: 100 }, (_, i) => new Peer(server.url, `fl2-${i}`)).map((p, i) =>
      done(i % 2 ? p.read() : p.send(ok[0].name, 'from a newcomer'))));
    assert.ok(wave.every((r) => r.status === 503 && r.headers.get('retry-after') === '1'), wave.map((r) => r.status).join());
    // every admitted inbox is still there with its message
    for (let i = 0; i < ok.length; i++) {
      const r = await done(ok[i].read());
      assert.equal(r.status, 200, ok[i].name);
      assert.equal(r.text, `from ${ok[(i - 1 + ok.length) % ok.length].name}`);
    }
    // an existing owner whose inbox is given up frees a place for a newcomer
    assert.equal((await done(ok[0].remove())).status, 204);
    assert.equal((await done(new Peer(server.url, 'fl-late').read())).status, 204);
    assert.equal((await done(new Peer(server.url, 'fl-later').read())).status, 503);
  });
});

describe('many new names at once', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('1,000 new names created concurrently all get 204 (the reference server crashed on this)', T, async () => {
    const N = 1000;
    const results = await Promise.all(Array.from({ length: N }, (_, i) => done(new Peer(server.url, `many-${i}`).read())));
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    assert.deepEqual([...statuses], [[204, N]]);
    assert.equal(metricValue(await metrics(server.url), 'signalbox_inboxes'), N);
    assert.equal((await done(fetch(`${server.url}/__lbheartbeat__`))).status, 200);
  });

  test('huge bodies: 413 without reading them, nothing queued, the server keeps serving', T, async () => {
    const owner = new Peer(server.url, 'huge-owner');
    await done(owner.read());
    const sender = new Peer(server.url, 'huge-sender');
    // 100 MB announced, 1 MB actually pushed before the server answers and closes
    const raw = await rawExchange(server.port, [
      `POST /inbox?to=huge-owner HTTP/1.1\r\nHost: x\r\nAuthorization: ${sender.auth}\r\nContent-Length: 104857600\r\n\r\n`,
      Buffer.alloc(1 << 20, 0x41),
    ], { waitMs: 5000 });
    assert.equal(raw.status, 413);
    assert.equal(raw.closedByServer, true);
    // a chunked upload of 2 MB against the 64 KiB default
    const chunks = [`POST /inbox?to=huge-owner HTTP/1.1\r\nHost: x\r\nAuthorization: ${sender.auth}\r\nTransfer-Encoding: chunked\r\n\r\n`];
    for (let i = 0; i < 32; i++) chunks.push(`10000\r\n${'B'.repeat(0x10000)}\r\n`);
    const chunked = await rawExchange(server.port, chunks, { waitMs: 5000 });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.closedByServer, true);
    assert.equal((await done(owner.read())).status, 204, 'nothing was queued');
    assert.equal((await done(sender.send('huge-owner', 'small'))).status, 204);
    assert.equal((await done(owner.read())).text, 'small');
  });

  test('20 bodies that stop half-way: nothing queued, the server is fine afterwards', T, async () => {
    const owner = new Peer(server.url, 'half-owner');
    await done(owner.read());
    const sender = new Peer(server.url, 'half-sender');
    await Promise.all(Array.from({ length: 20 }, () => rawExchange(server.port, [
      `POST /inbox?to=half-owner HTTP/1.1\r\nHost: x\r\nAuthorization: ${sender.auth}\r\nContent-Length: 1000\r\n\r\n`,
      '0123456789',
    ], { end: 'destroy' })));
    assert.equal((await done(owner.read())).status, 204);
    assert.equal(await exists(server.url, 'half-owner'), true);
    assert.equal((await done(sender.send('half-owner', 'whole'))).status, 204);
    assert.equal((await done(owner.read())).text, 'whole');
  });
});
