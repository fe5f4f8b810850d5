import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Peer, done, exists, metrics, metricValue, rawExchange } from '../helpers/inbox-client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const T = { timeout: 10_000 };
const MAX = 1000;
let server: TestServer;
before(async () => {
  server = await startServer({ MAX_MESSAGE_BYTES: String(MAX), INBOX_CAPACITY: '3' });
});
after(() => server.close());

const peer = (name: string) => new Peer(server.url, name);

async function readAll(p: Peer): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await done(p.read());
    if (r.status === 204) return out;
    assert.equal(r.status, 200);
    out.push(r.text);
  }
}

function assertError(r: { status: number; text: string; headers: Headers }, status: number, code: string) {
  assert.equal(r.status, status, r.text);
  const body = JSON.parse(r.text);
  assert.deepEqual(body, { code: status, error: code, message: body.message });
  assert.equal(typeof body.message, 'string');
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal(r.headers.get('cache-control'), 'no-store');
}

test('otherwise: 204 No Content and the message is queued with sender and Content-Type', T, async () => {
  const alice = peer('p-alice');
  await done(alice.read());
  const r = await done(peer('p-bob').send('p-alice', 'offer', 'application/sdp'));
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  const got = await done(alice.read());
  assert.equal(got.text, 'offer');
  assert.equal(got.headers.get('x-from'), 'p-bob');
  assert.equal(got.headers.get('content-type'), 'application/sdp');
});

test('the sender\'s inbox is created by its first POST, with its password, and is reachable for replies', T, async () => {
  const alice = peer('p-reply-a');
  await done(alice.read());
  const bob = peer('p-reply-b');
  assert.equal(await exists(server.url, 'p-reply-b'), false);
  assert.equal((await done(bob.send('p-reply-a', 'hi'))).status, 204);
  assert.equal(await exists(server.url, 'p-reply-b'), true);
  assert.equal((await done(alice.send('p-reply-b', 'hello back'))).status, 204);
  assert.deepEqual(await readAll(bob), ['hello back']);
  assert.equal((await done(new Peer(server.url, 'p-reply-b', 'other').send('p-reply-a', 'x'))).status, 401);
});

test('to missing: 400 invalid_recipient', T, async () => {
  const r = await done(fetch(`${server.url}/inbox`, { method: 'POST', headers: { Authorization: peer('p-s').auth }, body: 'x' }));
  assertError(r, 400, 'invalid_recipient');
  const other = await done(fetch(`${server.url}/inbox?too=x`, { method: 'POST', headers: { Authorization: peer('p-s').auth }, body: 'x' }));
  assertError(other, 400, 'invalid_recipient');
});

for (const [what, to] of [
  ['empty', ''],
  ['with ":"', 'a%3Ab'],
  ['with a space', 'a%20b'],
  ['with CR LF', 'a%0D%0AX-Evil:%201'],
  ['with NUL', 'a%00b'],
  ['with non-ASCII', 'caf%C3%A9'],
  ['257 characters', 'x'.repeat(257)],
  ['a bad percent-escape', 'a%ZZ'],
  ['a percent-escape that is not UTF-8', 'a%E9'],
] as const) {
  test(`to ${what}: 400 invalid_recipient`, T, async () => {
    assertError(await done(peer('p-s').send(to, 'x')), 400, 'invalid_recipient');
  });
}

test('to: percent-encoded names are decoded; "+" stays a literal "+"', T, async () => {
  const name = 'ab+/cd==';
  const owner = peer(name);
  await done(owner.read());
  assert.equal((await done(peer('p-s').send('ab+/cd==', 'raw plus'))).status, 204);
  assert.equal((await done(peer('p-s').send(encodeURIComponent(name), 'encoded'))).status, 204);
  assert.equal((await done(peer('p-s').send('ab%2B%2Fcd%3D%3D', 'upper-case escapes'))).status, 204);
  assert.deepEqual(await readAll(owner), ['raw plus', 'encoded', 'upper-case escapes']);
  // "a+b" is not "a b": sending to a name with a space is refused, not routed to "a b"
  assert.equal((await done(peer('p-s').send('ab%20%2Fcd%3D%3D', 'x'))).status, 400);
});

test('recipient does not exist: 404 no_such_inbox', T, async () => {
  assertError(await done(peer('p-s').send('p-nobody', 'x')), 404, 'no_such_inbox');
});

test('empty body: 400 empty_body when the recipient exists, but 404 first when it does not', T, async () => {
  await done(peer('p-empty').read());
  assertError(await done(peer('p-s').send('p-empty', '')), 400, 'empty_body');
  assertError(await done(peer('p-s').send('p-empty-nobody', '')), 404, 'no_such_inbox');
  // also without any Content-Length (a raw request with no body at all)
  const raw = await rawExchange(server.port, [
    `POST /inbox?to=p-empty HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('p-s').auth}\r\n\r\n`,
  ], { oneResponse: true });
  assert.equal(raw.status, 400);
  assert.match(raw.text, /"empty_body"/);
  assert.deepEqual(await readAll(peer('p-empty')), []);
});

test('body of exactly MAX_MESSAGE_BYTES is accepted', T, async () => {
  const alice = peer('p-max');
  await done(alice.read());
  const body = Buffer.alloc(MAX, 0x61);
  assert.equal((await done(peer('p-s').send('p-max', body))).status, 204);
  assert.equal((await done(alice.read())).text.length, MAX);
});

test('body over MAX_MESSAGE_BYTES announced by Content-Length: 413 at once, the server stops reading and closes', T, async () => {
  await done(peer('p-big').read());
  // announce 10 MB but send only the headers and a little: the answer must not wait for the rest
  const raw = await rawExchange(server.port, [
    `POST /inbox?to=p-big HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('p-s').auth}\r\nContent-Length: 10000000\r\n\r\n`,
    Buffer.alloc(4096, 0x62),
  ], { waitMs: 3000 });
  assert.equal(raw.status, 413);
  assert.match(raw.text, /"code":413,"error":"message_too_large"/);
  assert.match(raw.text, /Cache-Control: no-store/i);
  assert.equal(raw.closedByServer, true);
  assert.deepEqual(await readAll(peer('p-big')), []);
  // one byte over, sent whole by an ordinary client
  const r = await done(peer('p-s').send('p-big', Buffer.alloc(MAX + 1, 0x63)));
  assertError(r, 413, 'message_too_large');
  assert.deepEqual(await readAll(peer('p-big')), []);
});

test('chunked body growing past MAX_MESSAGE_BYTES: 413, the server stops reading and closes', T, async () => {
  await done(peer('p-chunk').read());
  const chunk = (n: number) => `${n.toString(16)}\r\n${'z'.repeat(n)}\r\n`;
  const raw = await rawExchange(server.port, [
    `POST /inbox?to=p-chunk HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('p-s').auth}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    chunk(600),
    chunk(600), // 1200 > 1000; the terminating chunk never comes
  ], { waitMs: 3000 });
  assert.equal(raw.status, 413);
  assert.equal(raw.closedByServer, true);
  assert.deepEqual(await readAll(peer('p-chunk')), []);
});

test('a chunked body within the limit is accepted whole', T, async () => {
  await done(peer('p-chunk-ok').read());
  const raw = await rawExchange(server.port, [
    `POST /inbox?to=p-chunk-ok HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('p-s').auth}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`,
    '5\r\nhello\r\n', '6\r\n world\r\n', '0\r\n\r\n',
  ], { oneResponse: true });
  assert.equal(raw.status, 204);
  assert.deepEqual(await readAll(peer('p-chunk-ok')), ['hello world']);
});

test('a body that stops half-way (Content-Length 1000, 10 bytes, close): nothing queued, server fine', T, async () => {
  await done(peer('p-half').read());
  const queuedBefore = metricValue(await metrics(server.url), 'signalbox_messages_queued');
  const raw = await rawExchange(server.port, [
    `POST /inbox?to=p-half HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('p-s').auth}\r\nContent-Length: 1000\r\n\r\n`,
    '0123456789',
  ], { end: 'half-close' });
  assert.equal(raw.status, 0, 'no answer: the message was never accepted');
  assert.deepEqual(await readAll(peer('p-half')), []);
  assert.equal(metricValue(await metrics(server.url), 'signalbox_messages_queued'), queuedBefore);
  assert.equal((await done(peer('p-s').send('p-half', 'after'))).status, 204);
  assert.deepEqual(await readAll(peer('p-half')), ['after']);
});

test('a bad Content-Length is a 400', T, async () => {
  await done(peer('p-cl').read());
  const raw = await rawExchange(server.port, [
    `POST /inbox?to=p-cl HTTP/1.1\r\nHost: x\r\nAuthorization: ${peer('p-s').auth}\r\nContent-Length: abc\r\n\r\nhello`,
  ], { oneResponse: true });
  assert.ok(raw.status === 400 || (raw.status === 0 && raw.closedByServer), raw.text);
  assert.deepEqual(await readAll(peer('p-cl')), []);
});

test('recipient queue at INBOX_CAPACITY: 503 with Retry-After: 1, nothing lost, accepted again after a read', T, async () => {
  const alice = peer('p-full');
  await done(alice.read());
  for (const m of ['1', '2', '3']) assert.equal((await done(peer('p-s').send('p-full', m))).status, 204);
  const r = await done(peer('p-s2').send('p-full', '4'));
  assertError(r, 503, 'inbox_full');
  assert.equal(r.headers.get('retry-after'), '1');
  // A page of another origin may read it (browsers join the two lines); answers without it expose X-From alone.
  assert.equal(r.headers.get('access-control-expose-headers'), 'X-From, Retry-After');
  assert.equal((await done(alice.read())).text, '1');
  assert.equal((await done(peer('p-s2').send('p-full', '4'))).status, 204);
  assert.deepEqual(await readAll(alice), ['2', '3', '4']);
});

test('sending to oneself is allowed', T, async () => {
  const me = peer('p-self');
  assert.equal((await done(me.send('p-self', 'note to self'))).status, 204);
  const r = await done(me.read());
  assert.equal(r.text, 'note to self');
  assert.equal(r.headers.get('x-from'), 'p-self');
});

test('a message survives the sender giving up its inbox', T, async () => {
  const alice = peer('p-survive');
  await done(alice.read());
  const bob = peer('p-survive-b');
  await done(bob.send('p-survive', 'left behind'));
  assert.equal((await done(bob.remove())).status, 204);
  const r = await done(alice.read());
  assert.equal(r.text, 'left behind');
  assert.equal(r.headers.get('x-from'), 'p-survive-b');
});
