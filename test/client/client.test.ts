import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { InboxClient, InboxError, type InboxClientOptions, type InboxMessage } from '../../src/client/index.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

import { TcpProxy } from './tcp-proxy.ts';
import { eventually } from '../helpers/eventually.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ MAX_WAIT: '5', INBOX_CAPACITY: '5' });
});
after(() => server.close());

const clients: InboxClient[] = [];
after(() => Promise.all(clients.map((c) => c.close())));

function client(username: string, transport: 'websocket' | 'poll' | 'auto', extra: Partial<InboxClientOptions> = {}): InboxClient {
  const c = new InboxClient({
    url: server.url, username, password: 'pw', transport, WebSocket, pollWaitSec: 2,
    reconnectMinMs: 20, reconnectMaxMs: 100, ...extra,
  });
  clients.push(c);
  return c;
}

async function nextOf(it: AsyncIterator<InboxMessage>, ms = 3000): Promise<InboxMessage> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([it.next(), timeout]);
    assert.equal(r.done, false);
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

for (const transport of ['websocket', 'poll'] as const) {
  describe(`InboxClient over ${transport}`, () => {
    test('start() creates the inbox; send + messages() carry text, JSON and bytes exactly', async () => {
      const alice = client(`${transport}-alice`, transport);
      await alice.start();
      assert.equal(alice.transport, transport);
      const bob = client(`${transport}-bob`, transport);
      const it = alice.messages();
      await bob.send(`${transport}-alice`, '{"type":"offer","sdp":"v=0 é"}', 'application/json');
      const offer = await nextOf(it);
      assert.equal(offer.from, `${transport}-bob`);
      assert.equal(offer.contentType, 'application/json');
      assert.deepEqual(offer.json(), { type: 'offer', sdp: 'v=0 é' });

      const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x80]);
      await bob.send(`${transport}-alice`, bytes);
      const bin = await nextOf(it);
      assert.equal(bin.contentType, 'application/octet-stream');
      assert.deepEqual([...bin.data], [...bytes]);

      await bob.send(`${transport}-alice`, 'plain');
      const plain = await nextOf(it);
      assert.equal(plain.text(), 'plain');
      assert.equal(plain.contentType, 'text/plain; charset=utf-8');
    });

    test("messages come in order, to the 'message' event as well", async () => {
      const carol = client(`${transport}-carol`, transport);
      const seen: string[] = [];
      carol.on('message', (m) => seen.push(m.text()));
      await carol.start();
      const dave = client(`${transport}-dave`, transport);
      for (let i = 0; i < 5; i++) await dave.send(`${transport}-carol`, `m${i}`);
      const deadline = Date.now() + 3000;
      while (seen.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4']);
    });

    test('messages queued before start() are not lost, even before messages() is called', async () => {
      await fetch(`${server.url}/inbox`, { headers: { Authorization: basic(`${transport}-early`, 'pw') } });
      const sender = client(`${transport}-early-sender`, transport);
      await sender.send(`${transport}-early`, 'first');
      await sender.send(`${transport}-early`, 'second');
      const early = client(`${transport}-early`, transport);
      await early.start();
      await new Promise((r) => setTimeout(r, 100));
      const it = early.messages();
      assert.equal((await nextOf(it)).text(), 'first');
      assert.equal((await nextOf(it)).text(), 'second');
    });

    test('send() rejects with InboxError mirroring the server (404, 400, 413, 503)', async () => {
      const erin = client(`${transport}-erin`, transport);
      await assert.rejects(erin.send('no-such-inbox', 'x'), (e: InboxError) => {
        assert.ok(e instanceof InboxError);
        assert.equal(e.status, 404);
        assert.equal(e.code, 'no_such_inbox');
        return true;
      });
      await assert.rejects(erin.send('bad name', 'x'), { status: 400, code: 'invalid_recipient' });
      await erin.send(`${transport}-erin`, 'to myself'); // the sender's inbox now exists
      await assert.rejects(erin.send(`${transport}-erin`, new Uint8Array(65537)), { status: 413, code: 'message_too_large' });
      for (let i = 0; i < 4; i++) await erin.send(`${transport}-erin`, 'fill');
      await assert.rejects(erin.send(`${transport}-erin`, 'one too many'), { status: 503, code: 'inbox_full', retryAfterSec: 1 });
    });

    test('a wrong password: start() rejects with a 401 InboxError and the client is closed', async () => {
      await client(`${transport}-owned`, transport).start();
      const intruder = client(`${transport}-owned`, transport, { password: 'not-pw' });
      await assert.rejects(intruder.start(), { name: 'InboxError', status: 401, code: 'wrong_password' });
      assert.equal(intruder.state, 'closed');
    });

    test('close() ends the iterator', async () => {
      const frank = client(`${transport}-frank`, transport);
      await frank.start();
      const it = frank.messages();
      const pending = it.next();
      await frank.close();
      assert.deepEqual(await pending, { value: undefined, done: true });
      assert.equal(frank.state, 'closed');
    });

    test('reconnects after its connection is cut and after a server restart, and receives again', async () => {
      const first = await startServer({ MAX_WAIT: '5' });
      const proxy = await TcpProxy.start(first.port);
      let second: TestServer | null = null;
      const c = new InboxClient({
        url: proxy.url, username: 'phoenix', password: 'pw', transport, WebSocket, pollWaitSec: 1, reconnectMinMs: 20, reconnectMaxMs: 100,
      });
      const events: string[] = [];
      c.on('transport', (e) => events.push(e.state));
      const opens = () => events.filter((e) => e === 'open').length;
      try {
        await c.start();
        const it = c.messages();

        // 1. Every connection cut, and refused for a while (a network blip).
        proxy.refusing = true;
        proxy.dropAll();
        await eventually(() => events.includes('reconnecting'));
        await new Promise((r) => setTimeout(r, 200));
        proxy.refusing = false;
        await eventually(() => opens() === 2);
        await new InboxClient({ url: first.url, username: 'ash', password: 'pw' }).send('phoenix', 'after the blip');
        assert.equal((await nextOf(it)).text(), 'after the blip');

        // 2. The server stops (sockets get 1001) and another one takes its place.
        await first.close();
        second = await startServer({ MAX_WAIT: '5' });
        proxy.target = second.port;
        await eventually(() => opens() === 3, 'three transport opens', 5000);
        assert.equal(c.transport, transport);
        await new InboxClient({ url: second.url, username: 'ash', password: 'pw' }).send('phoenix', 'welcome back');
        assert.equal((await nextOf(it)).text(), 'welcome back');
        assert.equal(c.state, 'open');
      } finally {
        await c.close();
        await proxy.close();
        await second?.close();
        await first.close().catch(() => {});
      }
    });
  });
}

for (const [older, newer] of [['websocket', 'websocket'], ['poll', 'poll'], ['poll', 'websocket'], ['websocket', 'poll']] as const) {
  describe(`InboxClient over ${older}, taken over by one over ${newer}`, () => {
    test('the older client gets one error event 409, does not reconnect, and its iterator throws; the newer one reads', async () => {
      const local = await ownServer(); // its long-polls are these clients' only
      const name = `taken-${older}-${newer}`;
      const first = client(name, older, { url: local.url });
      await first.start();
      const errors: InboxError[] = [];
      first.on('error', (e) => errors.push(e));
      const refused = assert.rejects(first.messages().next(), { status: 409, code: 'replaced' });
      if (older === 'poll') await waitingPolls(local, 1); // its long-poll is the reader being replaced
      const second = client(name, newer, { url: local.url });
      await second.start();
      await refused;
      assert.deepEqual(errors.map((e) => [e.status, e.code]), [[409, 'replaced']]);
      assert.equal(first.state, 'closed');
      // The newer reader keeps the inbox: it gets what is sent now (with two poll clients they used to take turns).
      const it = second.messages();
      for (const text of ['one', 'two', 'three']) {
        await client(`${name}-sender`, 'poll', { url: local.url }).send(name, text);
        assert.equal((await nextOf(it)).text(), text);
      }
    });
  });
}

for (const transport of ['websocket', 'poll'] as const) {
  test(`InboxClient over ${transport}: its inbox deleted while it reads: error event 404 inbox_gone, and it does not create the inbox again`, async () => {
    const local = await ownServer();
    const name = `deleted-${transport}`;
    const c = client(name, transport, { url: local.url });
    await c.start();
    const errors: InboxError[] = [];
    c.on('error', (e) => errors.push(e));
    const refused = assert.rejects(c.messages().next(), { status: 404, code: 'inbox_gone' });
    if (transport === 'poll') await waitingPolls(local, 1);
    const res = await fetch(`${local.url}/inbox`, { method: 'DELETE', headers: { Authorization: basic(name, 'pw') } });
    assert.equal(res.status, 204);
    await refused;
    assert.deepEqual(errors.map((e) => [e.status, e.code]), [[404, 'inbox_gone']]);
    assert.equal(c.state, 'closed');
    // Nobody re-created it: another password may have it now.
    assert.equal((await fetch(`${local.url}/inbox`, { headers: { Authorization: basic(name, 'another password') } })).status, 204);
  });
}

/** A server of the test's own, closed when the file ends (after its clients). */
async function ownServer(): Promise<TestServer> {
  const own = await startServer({ MAX_WAIT: '5' });
  after(() => own.close());
  return own;
}

/** Resolves once `at` holds `n` waiting long-polls. */
async function waitingPolls(at: TestServer, n: number): Promise<void> {
  await eventually(async () => {
    const text = await (await fetch(`${at.url}/__metrics__`)).text();
    return Number(/^signalbox_long_polls_waiting (\d+)/m.exec(text)?.[1]) === n;
  }, `${n} waiting long-poll(s)`);
}
