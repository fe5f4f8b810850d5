import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Peer, done, pause, rawExchange, track } from '../helpers/inbox-client.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/eventually.ts';

const T = { timeout: 10_000 };

// Long-polls run on a FakeTime: a wait ends only when the test advances the
// clock, so timings are exact and the file runs in well under a second.
let server: TestServer;
let time: FakeTime;
/** Timers the server keeps pending on its own (the sweeper, …). */
let base = 0;
before(async () => {
  time = new FakeTime();
  server = await startServer({ MAX_WAIT: '10', INBOX_TTL: '600' }, { clock: time, timers: time });
  base = time.pendingCount;
});
after(() => server.close());

/** Each waiting long-poll adds its timer to the server's own ones. */
const waiting = (n: number) => eventually(() => time.pendingCount === base + n, `${n} waiting long-poll(s)`);
const peer = (name: string) => new Peer(server.url, name);

test('a queued message: 200, exact body, X-From, Content-Type; it leaves the queue', T, async () => {
  const alice = peer('g-alice');
  const bob = peer('g-bob');
  assert.equal((await done(alice.read())).status, 204);
  assert.equal((await done(bob.send('g-alice', '{"type":"offer","sdp":"v=0"}', 'application/json'))).status, 204);
  const got = await done(alice.read());
  assert.equal(got.status, 200);
  assert.equal(got.text, '{"type":"offer","sdp":"v=0"}');
  assert.equal(got.headers.get('x-from'), 'g-bob');
  assert.equal(got.headers.get('content-type'), 'application/json');
  assert.equal(got.headers.get('cache-control'), 'no-store');
  assert.equal(got.headers.get('access-control-allow-origin'), '*');
  assert.equal(got.headers.get('access-control-expose-headers'), 'X-From');
  const again = await done(alice.read());
  assert.equal(again.status, 204);
  assert.equal(again.text, '');
});

test('first GET creates the inbox; queue empty and no wait: 204 No Content, no body', T, async () => {
  const r = await done(peer('g-new').read());
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(time.pendingCount - base, 0);
});

test('binary-safe: all 256 byte values come back exactly; no Content-Type means application/octet-stream', T, async () => {
  const alice = peer('g-bin');
  await done(alice.read());
  const bytes = new Uint8Array(512);
  for (let i = 0; i < 512; i++) bytes[i] = i % 256;
  assert.equal((await done(peer('g-bin-sender').send('g-bin', bytes))).status, 204);
  const r = await alice.read();
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), bytes);
  // invalid UTF-8 and CRLF in a text body are not touched either
  const odd = Buffer.from([0xff, 0xfe, 0x0d, 0x0a, 0x00, 0xc3, 0x28]);
  await done(peer('g-bin-sender').send('g-bin', odd, 'text/plain; charset=utf-8'));
  const r2 = await alice.read();
  assert.equal(r2.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.deepEqual(Buffer.from(await r2.arrayBuffer()), odd);
});

test('the sender\'s Content-Type is echoed as given', T, async () => {
  const alice = peer('g-ctype');
  await done(alice.read());
  for (const ct of ['application/sdp', 'text/plain;charset=UTF-8', 'application/vnd.example+json; v=2']) {
    await done(peer('g-ctype-from').send('g-ctype', 'x', ct));
    assert.equal((await done(alice.read())).headers.get('content-type'), ct);
  }
});

test('FIFO: messages come out in the order they were accepted', T, async () => {
  const alice = peer('g-fifo');
  await done(alice.read());
  const senders = [peer('g-fifo-1'), peer('g-fifo-2')];
  for (let i = 0; i < 20; i++) assert.equal((await done(senders[i % 2].send('g-fifo', `m${i}`))).status, 204);
  for (let i = 0; i < 20; i++) {
    const r = await done(alice.read());
    assert.equal(r.text, `m${i}`);
    assert.equal(r.headers.get('x-from'), `g-fifo-${(i % 2) + 1}`);
  }
  assert.equal((await done(alice.read())).status, 204);
});

test('wait asked with ?wait=N: held until a message arrives, then 200', T, async () => {
  const alice = peer('g-wait-q');
  await done(alice.read());
  const poll = track(done(alice.read({ wait: 5 })));
  await waiting(1);
  assert.equal(poll.settled, false);
  assert.equal((await done(peer('g-wait-q-bob').send('g-wait-q', 'woken'))).status, 204);
  const r = await poll.promise;
  assert.equal(r.status, 200);
  assert.equal(r.text, 'woken');
  assert.equal(r.headers.get('x-from'), 'g-wait-q-bob');
  assert.equal(time.pendingCount - base, 0, 'the wait timer is cleared');
});

test('wait asked with Prefer: wait=N: held, and 204 exactly when the wait ends', T, async () => {
  const alice = peer('g-wait-p');
  const poll = track(done(alice.read({ prefer: 'wait=3' })));
  await waiting(1);
  time.advance(2999);
  await pause(20);
  assert.equal(poll.settled, false);
  time.advance(1);
  const r = await poll.promise;
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-read-ended'), null, 'the wait ran out: no other reason given');
  assert.equal(r.headers.get('access-control-expose-headers'), 'X-From');
});

test('?wait wins over Prefer', T, async () => {
  const poll = track(done(peer('g-wait-both').read({ wait: 1, prefer: 'wait=9' })));
  await waiting(1);
  time.advance(1000);
  assert.equal((await poll.promise).status, 204);
});

test('a wait longer than MAX_WAIT is capped at MAX_WAIT (10 s here)', T, async () => {
  const poll = track(done(peer('g-cap').read({ wait: 100 })));
  await waiting(1);
  time.advance(9999);
  await pause(20);
  assert.equal(poll.settled, false);
  time.advance(1);
  assert.equal((await poll.promise).status, 204);
  const viaPrefer = track(done(peer('g-cap').read({ prefer: 'wait=999999' })));
  await waiting(1);
  time.advance(10_000);
  assert.equal((await viaPrefer.promise).status, 204);
});

test('a wait of any length is capped at MAX_WAIT, not refused: ?wait= and Prefer with 10 and 400 digits', T, async () => {
  for (const [i, asked] of [{ wait: '1'.repeat(10) }, { wait: '9'.repeat(400) }, { prefer: `wait=${'1'.repeat(10)}` }, { prefer: `wait=${'9'.repeat(400)}` }].entries()) {
    const poll = track(done(peer(`g-huge-${i}`).read(asked as { wait?: string; prefer?: string })));
    await waiting(1);
    time.advance(10_000 - 1); // MAX_WAIT: 10 s here
    await pause(20);
    assert.equal(poll.settled, false, `${JSON.stringify(asked).slice(0, 40)}: held until MAX_WAIT`);
    time.advance(1);
    assert.equal((await poll.promise).status, 204);
  }
});

test('?wait=0 and no wait answer at once', T, async () => {
  assert.equal((await done(peer('g-zero').read({ wait: 0 }))).status, 204);
  assert.equal((await done(peer('g-zero').read({ prefer: 'wait=0' }))).status, 204);
  assert.equal(time.pendingCount - base, 0);
});

for (const bad of ['abc', '-1', '1.5', '', '1e2', '%2D1']) {
  test(`invalid ?wait=${bad}: 400 invalid_wait`, async () => {
    const r = await done(peer('g-badwait').read({ wait: bad }));
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).error, 'invalid_wait');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });
}

test('a Prefer the server does not understand is ignored (RFC 7240): answered at once', T, async () => {
  for (const prefer of ['wait=soon', 'respond-async', 'wait=-5']) {
    assert.equal((await done(peer('g-prefer-junk').read({ prefer }))).status, 204, prefer);
  }
});

test('one reader at a time: a newer GET answers the older waiting one 204 at once and takes its place', T, async () => {
  const alice = peer('g-one');
  const older = track(done(alice.read({ wait: 10 })));
  await waiting(1);
  const newer = track(done(alice.read({ wait: 10 })));
  const first = await older.promise;
  assert.equal(first.status, 204);
  assert.equal(first.headers.get('x-read-ended'), 'replaced', 'a client can tell this 204 from an empty inbox');
  assert.equal(first.headers.get('access-control-expose-headers'), 'X-From, X-Read-Ended');
  await waiting(1);
  assert.equal(newer.settled, false);
  await done(peer('g-one-bob').send('g-one', 'for the newer'));
  const r = await newer.promise;
  assert.equal(r.status, 200);
  assert.equal(r.text, 'for the newer');
});

test('a newer GET without wait also replaces the waiting one', T, async () => {
  const alice = peer('g-one-nowait');
  const older = track(done(alice.read({ wait: 10 })));
  await waiting(1);
  assert.equal((await done(alice.read())).status, 204);
  assert.equal((await older.promise).status, 204);
  assert.equal(time.pendingCount - base, 0);
});

test('abort-safe: a long-poll aborted by its client (AbortController) does not lose the next message', T, async () => {
  const alice = peer('g-abort');
  const ac = new AbortController();
  const poll = alice.read({ wait: 10, signal: ac.signal }).catch((e: Error) => e);
  await waiting(1);
  ac.abort();
  assert.ok((await poll) instanceof Error);
  await waiting(0); // the server saw the abort and released the reader
  assert.equal((await done(peer('g-abort-bob').send('g-abort', 'not lost'))).status, 204);
  const r = await done(alice.read());
  assert.equal(r.status, 200);
  assert.equal(r.text, 'not lost');
  assert.equal((await done(alice.read())).status, 204, 'delivered once only');
});

test('abort-safe: a raw socket destroyed mid-wait does not lose the message', T, async () => {
  const alice = peer('g-abort-raw');
  const request = `GET /inbox?wait=10 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${alice.auth}\r\n\r\n`;
  const raw = await rawExchange(server.port, [request], { end: 'destroy', destroyWhen: () => waiting(1) });
  assert.equal(raw.text, '', 'nothing was answered before the socket went away');
  await waiting(0); // the server saw the close and released the reader
  await done(peer('g-abort-raw-bob').send('g-abort-raw', 'still here'));
  const r = await done(alice.read());
  assert.equal(r.status, 200);
  assert.equal(r.text, 'still here');
  assert.equal((await done(alice.read())).status, 204);
});

test('exactly once: many concurrent readers on one inbox share the messages without duplicates', T, async () => {
  const alice = peer('g-once');
  await done(alice.read());
  const bob = peer('g-once-bob');
  for (let i = 0; i < 60; i++) await done(bob.send('g-once', `m${i}`));
  const results = await Promise.all(Array.from({ length: 120 }, () => done(alice.read())));
  const got = results.filter((r) => r.status === 200).map((r) => r.text);
  assert.ok(results.every((r) => r.status === 200 || r.status === 204));
  // whatever was not handed out is still queued
  for (;;) {
    const r = await done(alice.read());
    if (r.status === 204) break;
    got.push(r.text);
  }
  assert.equal(got.length, 60);
  assert.equal(new Set(got).size, 60);
  assert.deepEqual([...got].sort(), Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
});

test('concurrent long-polls that replace each other never see the same message twice', T, async () => {
  const alice = peer('g-once-wait');
  await done(alice.read());
  const bob = peer('g-once-wait-bob');
  const got: string[] = [];
  const sending = (async () => {
    for (let i = 0; i < 30; i++) await done(bob.send('g-once-wait', `w${i}`));
  })();
  // readers keep replacing one another while messages flow in
  for (let round = 0; round < 15; round++) {
    const rs = await Promise.all([done(alice.read({ wait: 0 })), done(alice.read({ wait: 0 }))]);
    for (const r of rs) if (r.status === 200) got.push(r.text);
  }
  await sending;
  for (;;) {
    const r = await done(alice.read());
    if (r.status === 204) break;
    got.push(r.text);
  }
  assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => `w${i}`));
});

test('a non-ASCII (UTF-8) Content-Type is echoed byte for byte', T, async () => {
  const alice = peer('g-ctype-utf8');
  await done(alice.read());
  const ct = Buffer.from('text/plain; name="\u00e9\u4e2d"', 'utf8');
  const head = Buffer.from(`POST /inbox?to=g-ctype-utf8 HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('g-ctype-utf8-from').auth}\r\nContent-Length: 2\r\nContent-Type: `);
  const sent = await rawExchange(server.port, [Buffer.concat([head, ct, Buffer.from('\r\n\r\nhi')])], { oneResponse: true });
  assert.equal(sent.status, 204);
  const got = await rawExchange(server.port, [`GET /inbox HTTP/1.1\r\nHost: x\r\nAuthorization: ${alice.auth}\r\n\r\n`], { oneResponse: true });
  const bytes = Buffer.from(got.text, 'latin1');
  assert.ok(bytes.includes(Buffer.concat([Buffer.from('\r\nContent-Type: '), ct, Buffer.from('\r\n')])), got.text);
});

describe('DEFAULT_WAIT', () => {
  let s: TestServer;
  let t: FakeTime;
  let b = 0;
  before(async () => {
    t = new FakeTime();
    s = await startServer({ DEFAULT_WAIT: '3', MAX_WAIT: '10' }, { clock: t, timers: t });
    b = t.pendingCount;
  });
  after(() => s.close());

  test('a GET that asks no wait waits DEFAULT_WAIT', T, async () => {
    const poll = track(done(new Peer(s.url, 'dw').read()));
    await eventually(() => t.pendingCount === b + 1, 'the default wait');
    t.advance(2999);
    await pause(20);
    assert.equal(poll.settled, false);
    t.advance(1);
    assert.equal((await poll.promise).status, 204);
  });

  test('a GET that asks wait=0 answers at once', T, async () => {
    assert.equal((await done(new Peer(s.url, 'dw').read({ wait: 0 }))).status, 204);
    assert.equal((await done(new Peer(s.url, 'dw').read({ prefer: 'wait=0' }))).status, 204);
  });

  test('a message during the default wait is delivered', T, async () => {
    const poll = track(done(new Peer(s.url, 'dw2').read()));
    await eventually(() => t.pendingCount === b + 1, 'the default wait');
    await done(new Peer(s.url, 'dw2-from').send('dw2', 'in time'));
    assert.equal((await poll.promise).text, 'in time');
  });
});
