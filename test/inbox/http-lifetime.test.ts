import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TimerHandle } from '../../src/clock.ts';
import { Peer, done, exists, metricValue, metrics, track } from '../helpers/inbox-client.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/eventually.ts';

// Inbox lifetime over real HTTP with a FakeTime as the server's clock and
// timers: TTL 60 s, long-polls up to 90 s (longer than the TTL, as the spec allows).
const T = { timeout: 10_000 };
const TTL = 60_000;

describe('inbox lifetime (sweeper running)', () => {
  let server: TestServer;
  let time: FakeTime;
  let base = 0;
  before(async () => {
    time = new FakeTime();
    server = await startServer({ INBOX_TTL: '60', MAX_WAIT: '90' }, { clock: time, timers: time });
    base = time.pendingCount;
  });
  after(() => server.close());
  const peer = (name: string, pw?: string) => new Peer(server.url, name, pw);
  const alive = (name: string) => exists(server.url, name);

  test('an inbox expires inboxTtl after its creation when nobody reads it (creation is the first touch)', T, async () => {
    await done(peer('l-created').read());
    time.advance(TTL - 1);
    assert.equal(await alive('l-created'), true);
    time.advance(1);
    assert.equal(await alive('l-created'), false);
  });

  test('an inbox created by a POST (as sender) expires the same way', T, async () => {
    await done(peer('l-target').read());
    await done(peer('l-sender').send('l-target', 'x'));
    time.advance(TTL - 1);
    assert.equal(await alive('l-sender'), true);
    time.advance(1);
    assert.equal(await alive('l-sender'), false);
  });

  test('the TTL runs from the end of the owner\'s last GET', T, async () => {
    const alice = peer('l-reader');
    await done(alice.read());
    time.advance(50_000);
    await done(alice.read()); // t=50 s
    time.advance(TTL - 1);
    assert.equal(await alive('l-reader'), true);
    time.advance(1);
    assert.equal(await alive('l-reader'), false);
  });

  test('sending to an inbox (or the owner sending) does not extend it; its queue goes with it; the name is free', T, async () => {
    const alice = peer('l-sent-to', 'first');
    await done(alice.read());
    time.advance(TTL - 1_000);
    assert.equal((await done(peer('l-bob').send('l-sent-to', 'too late'))).status, 204);
    assert.equal((await done(alice.send('l-bob', 'owner sending'))).status, 204);
    time.advance(1_000);
    assert.equal((await done(peer('l-bob').send('l-sent-to', 'x'))).status, 404);
    // a new owner, with a new password, gets a new, empty inbox
    const next = peer('l-sent-to', 'second');
    assert.equal((await done(next.read())).status, 204);
    assert.equal((await done(alice.read())).status, 401, 'the old password no longer opens it');
  });

  test('an open long-poll keeps the inbox alive past its TTL; the TTL starts when the poll ends', T, async () => {
    const alice = peer('l-poll');
    const poll = track(done(alice.read({ wait: 90 })));
    await eventually(() => time.pendingCount === base + 1, 'the long-poll');
    time.advance(80_000); // t=80 s > TTL
    assert.equal(poll.settled, false);
    assert.equal(await alive('l-poll'), true);
    await done(peer('l-bob').send('l-poll', 'at 80 s'));
    const r = await poll.promise;
    assert.equal(r.status, 200);
    assert.equal(r.text, 'at 80 s');
    time.advance(TTL - 1);
    assert.equal(await alive('l-poll'), true);
    time.advance(1);
    assert.equal(await alive('l-poll'), false);
  });

  test('a long-poll that times out (after 90 s) starts the TTL at its end', T, async () => {
    const alice = peer('l-poll-timeout');
    const poll = track(done(alice.read({ wait: 90 })));
    await eventually(() => time.pendingCount === base + 1, 'the long-poll');
    time.advance(90_000);
    assert.equal((await poll.promise).status, 204);
    time.advance(TTL - 1);
    assert.equal(await alive('l-poll-timeout'), true);
    time.advance(1);
    assert.equal(await alive('l-poll-timeout'), false);
  });

  test('the sweep removes expired inboxes (the gauge drops) without anyone asking for them', T, async () => {
    const before = metricValue(await metrics(server.url), 'signalbox_inboxes') ?? 0;
    await Promise.all(['l-s1', 'l-s2', 'l-s3'].map((n) => done(peer(n).read())));
    assert.equal(metricValue(await metrics(server.url), 'signalbox_inboxes'), before + 3);
    time.advance(TTL + 1_000); // past the TTL and one sweep interval
    assert.ok((metricValue(await metrics(server.url), 'signalbox_inboxes') ?? 0) <= before);
  });
});

/** A FakeTime whose intervals never fire: the sweeper never runs. */
class NoSweepTime extends FakeTime {
  override setInterval(): TimerHandle {
    return {};
  }
  override clearInterval(): void {}
}

describe('read-time expiry (sweeper never runs)', () => {
  let server: TestServer;
  let time: NoSweepTime;
  before(async () => {
    time = new NoSweepTime();
    server = await startServer({ INBOX_TTL: '60' }, { clock: time, timers: time });
  });
  after(() => server.close());

  test('a request never sees an inbox whose TTL has passed, even before the sweep', T, async () => {
    const alice = new Peer(server.url, 'r-alice', 'old');
    await done(alice.read());
    await done(new Peer(server.url, 'r-bob').send('r-alice', 'queued'));
    const inboxes = metricValue(await metrics(server.url), 'signalbox_inboxes');
    time.advance(TTL);
    // still in memory (no sweep ran)...
    assert.equal(metricValue(await metrics(server.url), 'signalbox_inboxes'), inboxes);
    // ...but invisible: the name is free, the queue gone
    const fresh = new Peer(server.url, 'r-alice', 'new');
    assert.equal((await done(fresh.read())).status, 204);
    assert.equal((await done(alice.read())).status, 401);
  });

  test('sending to an expired inbox is 404 before any sweep', T, async () => {
    await done(new Peer(server.url, 'r-gone').read());
    time.advance(TTL);
    assert.equal((await done(new Peer(server.url, 'r-bob2').send('r-gone', 'x'))).status, 404);
  });

  test('DELETE of an expired inbox is 404 before any sweep', T, async () => {
    const p = new Peer(server.url, 'r-del');
    await done(p.read());
    time.advance(TTL);
    assert.equal((await done(p.remove())).status, 404);
  });
});
