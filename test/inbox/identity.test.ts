import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isError } from '../../src/errors.ts';
import { sipHash128, sipHashKey } from '../../src/crypto/siphash.ts';
import { CredentialHasher, MAX_PASSWORD_BYTES, MAX_USERNAME, passwordProblem, usernameProblem } from '../../src/inbox/identity.ts';

test('usernames: 1 to 256 printable ASCII characters except ":"', () => {
  assert.equal(usernameProblem('a'), null);
  assert.equal(usernameProblem('x'.repeat(MAX_USERNAME)), null);
  assert.equal(MAX_USERNAME, 256);
  assert.match(usernameProblem('x'.repeat(257))!, /longer than 256/);
  assert.match(usernameProblem('')!, /empty/);
  // UUIDs, base64 and base64url keys fit
  for (const ok of ['3f2b8c1e-0d4a-4c7e-9b1a-2f6e8d9c0a11', 'ab+/cd==', 'ab-_cd', '!~', '{}[]"\'\\']) {
    assert.equal(usernameProblem(ok), null, ok);
  }
});

test('usernames: every character outside 0x21..0x7E, and ":", is refused', () => {
  for (let c = 0; c < 0x110; c++) {
    const allowed = c >= 0x21 && c <= 0x7e && c !== 0x3a;
    const problem = usernameProblem(`a${String.fromCharCode(c)}b`);
    if (allowed) assert.equal(problem, null, `code ${c}`);
    else assert.match(problem ?? '', /character 2 \(code \d+\)/, `code ${c}`);
  }
});

test('passwords: 1 to 1024 bytes of valid UTF-8', () => {
  assert.equal(MAX_PASSWORD_BYTES, 1024);
  assert.equal(passwordProblem(Buffer.from('p')), null);
  assert.equal(passwordProblem(Buffer.alloc(1024, 0x61)), null);
  assert.equal(passwordProblem(Buffer.from('\u00e9'.repeat(512))), null); // 1024 bytes, 512 characters
  assert.match(passwordProblem(Buffer.alloc(1025, 0x61))!, /longer than 1024 bytes/);
  assert.match(passwordProblem(Buffer.from('\u00e9'.repeat(513)))!, /longer/); // 1026 bytes
  assert.match(passwordProblem(new Uint8Array(0))!, /empty/);
  assert.match(passwordProblem(Buffer.from([0x61, 0xff]))!, /UTF-8/);
  assert.match(passwordProblem(Buffer.from([0xc3]))!, /UTF-8/); // truncated sequence
  assert.match(passwordProblem(Buffer.from([0xed, 0xa0, 0x80]))!, /UTF-8/); // lone surrogate
  assert.equal(passwordProblem(Buffer.from('p\u0000w:\u{1f600}')), null); // NUL, ':' and emoji are valid UTF-8
});

test('the hasher validates and returns a keyed hash, never the password', () => {
  const h = new CredentialHasher(Buffer.alloc(16, 7));
  const o = h.owner('alice', Buffer.from('hunter2'));
  assert.ok(!isError(o));
  assert.equal(o.name, 'alice');
  assert.ok(!o.secret.includes('hunter2'));
  assert.equal(o.secret.length, 16); // SipHash-2-4-128 digest as latin1
  const again = h.owner('alice', Buffer.from('hunter2'));
  assert.ok(!isError(again));
  assert.equal(again.secret, o.secret);
  const other = h.owner('alice', Buffer.from('hunter3'));
  assert.ok(!isError(other));
  assert.notEqual(other.secret, o.secret);
});

test('the hash is keyed: another key gives another secret; the name is bound in', () => {
  const a = new CredentialHasher(Buffer.alloc(16, 1)).owner('u', Buffer.from('p'));
  const b = new CredentialHasher(Buffer.alloc(16, 2)).owner('u', Buffer.from('p'));
  const c = new CredentialHasher(Buffer.alloc(16, 1)).owner('v', Buffer.from('p'));
  assert.ok(!isError(a) && !isError(b) && !isError(c));
  assert.notEqual(a.secret, b.secret);
  assert.notEqual(a.secret, c.secret);
  // two random per-process keys differ
  const r1 = new CredentialHasher().owner('u', Buffer.from('p'));
  const r2 = new CredentialHasher().owner('u', Buffer.from('p'));
  assert.ok(!isError(r1) && !isError(r2));
  assert.notEqual(r1.secret, r2.secret);
});

test('the secret is SipHash-2-4-128(key, "name:password"), whether read from a Basic header or given apart', () => {
  for (const key of [Buffer.alloc(16, 9), Buffer.alloc(16, 3)]) {
    const h = new CredentialHasher(key);
    for (const [name, password] of [['alice', 'hunter2'], ['b', 'ü'.repeat(300)], ['c', 'a:b:c']]) {
      const joined = Buffer.from(`${name}:${password}`);
      const expected = sipHash128(sipHashKey(key), joined, 0, joined.length);
      const apart = h.owner(name, Buffer.from(password));
      const header = h.ownerOfBasic(`Basic ${joined.toString('base64')}`);
      assert.deepEqual(apart, { name, secret: expected });
      assert.deepEqual(header, { name, secret: expected });
    }
  }
  assert.throws(() => new CredentialHasher(Buffer.alloc(32)), RangeError, 'a key of another length is refused');
});

test('ownerOfBasic answers what parsing and validating apart answer: 401 for a bad header, 400 for a bad name or password, also past its scratch room', () => {
  const h = new CredentialHasher();
  const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64');
  const cases: [string, number, string][] = [
    ['', 401, 'no Authorization header'],
    ['Bearer x', 401, 'not Basic'],
    ['Basic !!', 401, 'base64'],
    [`Basic ${b64('nocolon')}`, 401, '":"'],
    [`Basic ${b64('a b:pw')}`, 400, 'character 2 (code 32)'],
    [`Basic ${b64(':pw')}`, 400, 'Invalid username: it is empty'],
    [`Basic ${b64('a:')}`, 400, 'Invalid password: it is empty'],
    [`Basic ${b64(Buffer.concat([Buffer.from('a:'), Buffer.from([0xff])]))}`, 400, 'not valid UTF-8'],
    [`Basic ${b64(`a:${'p'.repeat(MAX_PASSWORD_BYTES + 1)}`)}`, 400, `longer than ${MAX_PASSWORD_BYTES} bytes`],
    [`Basic ${b64(`a:${'p'.repeat(5000)}`)}`, 400, `longer than ${MAX_PASSWORD_BYTES} bytes`],
    [`Basic ${b64(`${'n'.repeat(MAX_USERNAME + 1)}:pw`)}`, 400, `longer than ${MAX_USERNAME}`],
  ];
  for (const [header, status, message] of cases) {
    const o = h.ownerOfBasic(header);
    assert.ok(isError(o), header.slice(0, 40));
    assert.equal(o.status, status, header.slice(0, 40));
    assert.ok(o.message.includes(message), `${o.message} should say ${message}`);
  }
  // a pair longer than the scratch room that is otherwise valid: 1024-byte password, 256-char name, both fine
  const long = h.ownerOfBasic(`Basic ${b64(`${'n'.repeat(MAX_USERNAME)}:${'p'.repeat(MAX_PASSWORD_BYTES)}`)}`);
  assert.ok(!isError(long));
  assert.deepEqual(long, h.owner('n'.repeat(MAX_USERNAME), Buffer.from('p'.repeat(MAX_PASSWORD_BYTES))));
});

test('the hasher answers 400 errors with stable codes for bad names and passwords', () => {
  const h = new CredentialHasher();
  const badName = h.owner('a\r\nX-Evil: 1', Buffer.from('p'));
  assert.ok(isError(badName));
  assert.equal(badName.status, 400);
  assert.equal(badName.code, 'invalid_username');
  const badPw = h.owner('a', new Uint8Array(0));
  assert.ok(isError(badPw));
  assert.equal(badPw.status, 400);
  assert.equal(badPw.code, 'invalid_password');
});
