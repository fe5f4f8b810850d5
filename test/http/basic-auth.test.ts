import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBasicAuthInto, NO_COLON, parseBasicAuth } from '../../src/http/basic-auth.ts';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

test('decodes username and password bytes', () => {
  const c = parseBasicAuth(`Basic ${b64('alice:s3cret')}`);
  assert.ok(typeof c !== 'string');
  assert.equal(c.username, 'alice');
  assert.equal(Buffer.from(c.password).toString(), 's3cret');
});

test('the scheme is case-insensitive and extra spaces around the token are ignored', () => {
  for (const h of [`basic ${b64('a:b')}`, `BASIC ${b64('a:b')}`, `Basic   ${b64('a:b')}  `]) {
    const c = parseBasicAuth(h);
    assert.ok(typeof c !== 'string', h);
    assert.equal(c.username, 'a');
  }
});

test('splits at the first colon: the password may contain ":", the username cannot', () => {
  const c = parseBasicAuth(`Basic ${b64('a:b:c')}`);
  assert.ok(typeof c !== 'string');
  assert.equal(c.username, 'a');
  assert.equal(Buffer.from(c.password).toString(), 'b:c');
});

test('unpadded base64 is accepted', () => {
  const token = b64('alice:pw').replace(/=+$/, '');
  const c = parseBasicAuth(`Basic ${token}`);
  assert.ok(typeof c !== 'string');
  assert.equal(c.username, 'alice');
});

test('empty username and empty password come through for the validator to refuse', () => {
  const c = parseBasicAuth(`Basic ${b64(':')}`);
  assert.ok(typeof c !== 'string');
  assert.equal(c.username, '');
  assert.equal(c.password.length, 0);
});

test('username bytes are read as latin1 so nothing is lost (CR, LF, NUL, UTF-8 bytes)', () => {
  const c = parseBasicAuth(`Basic ${b64(Buffer.from('a\r\nb\0\u00e9:pw', 'utf8'))}`);
  assert.ok(typeof c !== 'string');
  assert.deepEqual([...c.username].map((ch) => ch.charCodeAt(0)), [0x61, 0x0d, 0x0a, 0x62, 0x00, 0xc3, 0xa9]);
});

test('password bytes are kept exactly (binary, not decoded)', () => {
  const pw = Buffer.from([0xff, 0x00, 0x3a, 0x80]);
  const c = parseBasicAuth(`Basic ${b64(Buffer.concat([Buffer.from('u:'), pw]))}`);
  assert.ok(typeof c !== 'string');
  assert.deepEqual(Buffer.from(c.password), pw);
});

test('each malformed header gives a reason string', () => {
  const cases: [string, RegExp][] = [
    ['', /no Authorization/],
    ['Basic', /not Basic/],
    ['Bearer abc', /not Basic/],
    [`Digest ${b64('a:b')}`, /not Basic/],
    ['Basic ', /base64/],
    ['Basic !!!!', /base64/],
    ['Basic YWJj=ZA==', /base64/],
    ['Basic a', /base64/],
    ['Basic YWJj ZGVm', /base64/],
    [`Basic ${b64('nocolon')}`, /":"/],
  ];
  for (const [header, reason] of cases) {
    const r = parseBasicAuth(header);
    assert.equal(typeof r, 'string', header);
    assert.match(r as string, reason, header);
  }
});

test('the scheme must be exactly "Basic" in any case: longer, shorter or other schemes are refused', () => {
  const ok = parseBasicAuth(`bAsIc ${b64('a:b')}`);
  assert.ok(typeof ok !== 'string');
  assert.equal(ok.username, 'a');
  for (const h of [`Basics ${b64('a:b')}`, `Basi ${b64('a:b')}`, `Bearer ${b64('a:b')}`, `Basic`, ` Basic ${b64('a:b')}`, `Basic:${b64('a:b')}`]) {
    assert.equal(parseBasicAuth(h), 'the Authorization scheme is not Basic', h);
  }
});

test('decodeBasicAuthInto accepts what a strict base64 check and Node\'s decoder accept and writes the same bytes (fast-check, including junk and padding)', () => {
  // The reference: the scheme, the text after it trimmed, a strict base64 pattern and length, then Node's decoder.
  const reference = (header: string): Buffer | string => {
    if (header === '') return 'no Authorization header';
    if (header.indexOf(' ') !== 5 || header.slice(0, 5).toLowerCase() !== 'basic') return 'the Authorization scheme is not Basic';
    const encoded = header.slice(6).trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) return 'the credentials are not valid base64';
    return Buffer.from(encoded, 'base64');
  };
  const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', '=', '-', '_', ' ', '\t', '!', 'é', ':'];
  const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((cs) => cs.join(''));
  const encoded = fc.uint8Array({ maxLength: 40 }).chain((bytes) =>
    fc.constantFrom(0, 1, 2).map((drop) => {
      const full = Buffer.from(bytes).toString('base64');
      return drop === 0 ? full : full.replace(new RegExp(`={0,${drop}}$`), '');
    }),
  );
  const scheme = fc.constantFrom('Basic ', 'basic ', 'BASIC  ', 'Basic\t', 'Bearer ', '');
  fc.assert(
    fc.property(scheme, fc.oneof(text, encoded), fc.constantFrom('', ' ', '\t'), (s, body, tail) => {
      const header = s + body + tail;
      const into = Buffer.alloc(200);
      const fast = decodeBasicAuthInto(header, into, 7);
      const expected = reference(header);
      if (typeof expected === 'string') return assert.equal(fast, expected, header);
      assert.equal(typeof fast, 'number', header);
      assert.deepEqual(into.subarray(7, fast as number), expected, header);
      // parseBasicAuth is the same decoding, with the ':' found
      const parsed = parseBasicAuth(header);
      if (expected.indexOf(0x3a) < 0) assert.equal(parsed, NO_COLON, header);
      else assert.deepEqual(typeof parsed === 'string' ? parsed : Buffer.from(parsed.joined), expected, header);
    }),
    { numRuns: 3000, seed: Number(process.env.FUZZ_SEED ?? 7) },
  );
});
