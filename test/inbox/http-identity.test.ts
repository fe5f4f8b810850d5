import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Peer, done, exists } from '../helpers/inbox-client.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const CHALLENGE = 'Basic realm="inbox", charset="UTF-8"';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const authOf = (raw: Buffer | string) => `Basic ${b64(raw)}`;

/** Every inbox method with the given Authorization (undefined: none). */
async function everyMethod(authorization: string | undefined) {
  const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
  return Promise.all([
    done(fetch(`${server.url}/inbox`, { headers })),
    done(fetch(`${server.url}/inbox?to=someone`, { method: 'POST', headers, body: 'x' })),
    done(fetch(`${server.url}/inbox`, { method: 'DELETE', headers })),
  ]);
}

function assertError(r: { status: number; text: string; headers: Headers }, status: number, code: string) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(r.text);
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message']);
  assert.equal(body.code, status);
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
}

for (const [what, header] of [
  ['missing Authorization', undefined],
  ['empty Authorization', ''],
  ['not Basic (Bearer)', 'Bearer abc.def'],
  ['not Basic (Digest)', `Digest ${b64('a:b')}`],
  ['Basic without credentials', 'Basic'],
  ['bad base64', 'Basic !!not-base64!!'],
  ['base64 with a bad length', 'Basic YWJjZ'],
  ['no colon', authOf('justaname')],
] as const) {
  test(`${what}: 401 with WWW-Authenticate and a JSON error, on GET, POST and DELETE`, async () => {
    for (const r of await everyMethod(header)) {
      assertError(r, 401, 'missing_credentials');
      assert.equal(r.headers.get('www-authenticate'), CHALLENGE);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
  });
}

test('wrong password: 401 wrong_password with WWW-Authenticate, on GET, POST and DELETE', async () => {
  assert.equal((await done(new Peer(server.url, 'wp-owner', 'right').read())).status, 204);
  for (const r of await everyMethod(basic('wp-owner', 'wrong'))) {
    assertError(r, 401, 'wrong_password');
    assert.equal(r.headers.get('www-authenticate'), CHALLENGE);
  }
  // the inbox kept its password
  assert.equal((await done(new Peer(server.url, 'wp-owner', 'right').read())).status, 204);
});

test('lower-case "basic" scheme is accepted (RFC 7617: case-insensitive)', async () => {
  const r = await done(fetch(`${server.url}/inbox`, { headers: { Authorization: `basic ${b64('lower-scheme:pw')}` } }));
  assert.equal(r.status, 204);
});

for (const [what, username] of [
  ['empty', ''],
  ['a space', 'a b'],
  ['CR', 'a\rb'],
  ['LF', 'a\nb'],
  ['CRLF header injection', 'a\r\nX-Evil: yes'],
  ['NUL', 'a\0b'],
  ['a tab', 'a\tb'],
  ['DEL (0x7F)', 'a\x7fb'],
  ['a UTF-8 letter', 'caf\u00e9'],
  ['257 characters', 'u'.repeat(257)],
] as const) {
  test(`username with ${what} (smuggled through base64): 400 invalid_username, no inbox made`, async () => {
    for (const r of await everyMethod(authOf(Buffer.concat([Buffer.from(username, 'utf8'), Buffer.from(':pw')])))) {
      assertError(r, 400, 'invalid_username');
      assert.equal(r.headers.get('www-authenticate'), null);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    }
  });
}

test('username of 256 characters is fine; all of 0x21..0x7E except ":" work', async () => {
  const long = 'u'.repeat(256);
  assert.equal((await done(new Peer(server.url, long).read())).status, 204);
  let printable = '';
  for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x3a) printable += String.fromCharCode(c);
  const p = new Peer(server.url, printable);
  assert.equal((await done(p.read())).status, 204);
  // and such a name travels back intact in X-From
  const to = new Peer(server.url, 'x-from-target');
  await done(to.read());
  assert.equal((await done(p.send('x-from-target', 'hi'))).status, 204);
  const got = await done(to.read());
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('x-from'), printable);
  assert.equal((await done(new Peer(server.url, long).send('x-from-target', 'hey'))).status, 204);
  assert.equal((await done(to.read())).headers.get('x-from'), long);
});

test('":" cannot be in a username: "a:b:c" is user "a" with password "b:c"', async () => {
  assert.equal((await done(fetch(`${server.url}/inbox`, { headers: { Authorization: authOf('colon-user:b:c') } }))).status, 204);
  assert.equal((await done(new Peer(server.url, 'colon-user', 'b:c').read())).status, 204);
  assert.equal((await done(new Peer(server.url, 'colon-user', 'b').read())).status, 401);
});

for (const [what, password] of [
  ['empty', Buffer.alloc(0)],
  ['1025 bytes', Buffer.alloc(1025, 0x61)],
  ['1026 bytes of UTF-8 (513 × "é")', Buffer.from('\u00e9'.repeat(513))],
  ['invalid UTF-8 (0xFF)', Buffer.from([0x70, 0xff])],
  ['a truncated UTF-8 sequence', Buffer.from([0x70, 0xe2, 0x82])],
] as const) {
  test(`password ${what}: 400 invalid_password`, async () => {
    for (const r of await everyMethod(authOf(Buffer.concat([Buffer.from('pw-rules:'), password])))) {
      assertError(r, 400, 'invalid_password');
    }
  });
}

test('password of 1 byte and of 1024 bytes (ASCII or multi-byte UTF-8) is fine', async () => {
  for (const [i, pw] of ['p', 'a'.repeat(1024), '\u00e9'.repeat(512), '\u{1f600}'.repeat(256)].entries()) {
    assert.equal(Buffer.byteLength(pw) <= 1024, true);
    const p = new Peer(server.url, `pw-ok-${i}`, pw);
    assert.equal((await done(p.read())).status, 204, `password #${i}`);
    assert.equal((await done(p.read())).status, 204, `password #${i} again`);
  }
});

test('the first request that names a user creates the inbox with that password; another password is 401', async () => {
  const first = new Peer(server.url, 'first-come', 'one');
  assert.equal(await exists(server.url, 'first-come'), false);
  assert.equal((await done(first.send('nobody-here', 'x'))).status, 404); // a POST creates the sender too
  assert.equal(await exists(server.url, 'first-come'), true);
  assert.equal((await done(new Peer(server.url, 'first-come', 'two').read())).status, 401);
  assert.equal((await done(first.read())).status, 204);
});
