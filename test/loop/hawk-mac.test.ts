import assert from 'node:assert/strict';
import { test } from 'node:test';
import Hawk from 'hawk';
import fc from 'fast-check';
import { hawkMac, parseAnyOrder, parseHawkHeader, sameMac, serverAuthorization, type MacInput } from '../../src/loop/hawk-mac.ts';
import { assertServerAuthorization, credentialsOf, hawkFetch, register, startLoopServer } from '../helpers/loop.ts';

// The fast Hawk path must accept only what the hawk package accepts, with the same attributes and MACs.
const utils = (Hawk as unknown as { utils: { parseAuthorizationHeader(h: string): Record<string, string> } }).utils;

function hawkParse(header: string): Record<string, string> | null {
  try {
    return utils.parseAuthorizationHeader(header);
  } catch {
    return null;
  }
}

const ACCEPTED = [
  'Hawk id="abc", ts="1405515536", nonce="Ypm8Zp", mac="o/TlnlTOtLSjzvTo6irpGJkP5YM4zVspd4Ga78JvtRI="',
  'hawk id="abc",ts="1405515536",nonce="Ypm8Zp",mac="m"',
  'HAWK   mac="m", nonce="n n", ts="1",   id="i d" ',
  'Hawk id="a", ts="1", nonce="n", mac="m", hash="h+/=", ext="some app data, with: punctuation!"',
];

const REFUSED = [
  '', 'Hawk', 'Hawk ', 'Basic abc', 'Hawkid="a", ts="1", nonce="n", mac="m"',
  'Hawk id="a", ts="1", nonce="n"', // no mac
  'Hawk id="a", ts="1", nonce="n", mac="m", app="x"', // app/dlg: left to the hawk package
  'Hawk id="a", ts="1", nonce="n", mac="m", dlg="x"',
  'Hawk id="a", ts="1", nonce="n", mac="m", foo="x"',
  'Hawk id="a", id="b", ts="1", nonce="n", mac="m"',
  'Hawk id="", ts="1", nonce="n", mac="m"',
  'Hawk id="a", ts="1", nonce="n", mac="m",',
  'Hawk id="a",\tts="1", nonce="n", mac="m"',
  'Hawk id="a" ts="1", nonce="n", mac="m"',
  'Hawk id="a\\"b", ts="1", nonce="n", mac="m"',
  'Hawk id="é", ts="1", nonce="n", mac="m"',
  'Hawk id="a", ts="1", nonce="n", mac="m" x',
  `Hawk id="${'a'.repeat(4100)}", ts="1", nonce="n", mac="m"`,
  // Names that only look like known ones (matched in place, by length and text).
  'Hawk id="a", tss="1", nonce="n", mac="m"',
  'Hawk id="a", ts="1", nonces="n", mac="m"',
  'Hawk id="a", ts="1", nonce="n", mac="m", Hash="h"',
  'Hawk ix="a", ts="1", nonce="n", mac="m"',
  'Hawk id="a", ts="1", nonce="n", mac="m", ext="x", ext="y"',
  'Hawk id="a", ts ="1", nonce="n", mac="m"',
];

test('parseHawkHeader: accepts clean headers with the attributes the hawk package reads', () => {
  for (const header of ACCEPTED) {
    const ours = parseHawkHeader(header);
    assert.ok(ours, header);
    assert.deepEqual({ ...ours }, hawkParse(header), header);
  }
});

test('parseHawkHeader: anything unusual or malformed goes to the hawk package (null)', () => {
  for (const header of REFUSED) assert.equal(parseHawkHeader(header), null, header);
  // Whatever it accepts, hawk accepts identically (a subset, never a superset).
  for (const header of [...ACCEPTED, ...REFUSED]) {
    const ours = parseHawkHeader(header);
    if (ours) assert.deepEqual({ ...ours }, hawkParse(header));
  }
});

test('parseHawkHeader: its canonical-order shortcut agrees with the general parse, and both accept only what hawk accepts (fast-check)', () => {
  // Mostly clean values, separators and schemes (so that many headers pass), sometimes odd ones.
  const mostly = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: odd });
  const value = mostly(
    fc.string({ unit: fc.constantFrom('a', 'Z', '1', '+', '/', '=', ' ', ',', '~'), minLength: 1, maxLength: 6 }),
    fc.string({ unit: fc.constantFrom('a', ' ', ',', '"', '\\', '\t', 'é'), maxLength: 4 }),
  );
  const name = fc.constantFrom('id', 'ts', 'nonce', 'mac', 'hash', 'ext', 'app', 'dlg', 'foo', 'Hash', 'nonces');
  const attribute = (n: fc.Arbitrary<string>) => fc.tuple(n, value).map(([k, v]) => `${k}="${v}"`);
  // Mostly hawk's own order (id, ts, nonce, [hash], [ext], mac), sometimes any attributes in any order.
  const canonical = fc.tuple(
    ...(['id', 'ts', 'nonce'] as const).map((n) => attribute(fc.constant(n))),
    fc.option(attribute(fc.constant('hash')), { nil: undefined }),
    fc.option(attribute(fc.constant('ext')), { nil: undefined }),
    attribute(fc.constant('mac')),
  ).map((parts) => parts.filter((p): p is string => p !== undefined));
  const anyOrder = fc.array(attribute(name), { maxLength: 7 });
  const separator = mostly(fc.constantFrom(', ', ',', ',  '), fc.constantFrom(' , ', ' ,', ',\t', ''));
  const header = fc.tuple(
    mostly(fc.constantFrom('Hawk ', 'hawk ', 'HAWK   '), fc.constantFrom('Hawk', 'Hawk\t', 'Basic ')),
    fc.oneof({ weight: 3, arbitrary: canonical }, { weight: 1, arbitrary: anyOrder }),
    fc.array(separator, { minLength: 7, maxLength: 7 }),
    mostly(fc.constant(''), fc.constantFrom(' ', ',', ' x')),
  ).map(([scheme, parts, seps, tail]) => scheme + parts.map((p, i) => (i === 0 ? p : seps[i] + p)).join('') + tail);
  let accepted = 0;
  fc.assert(fc.property(header, (h) => {
    const ours = parseHawkHeader(h);
    assert.deepEqual(ours, parseAnyOrder(h), h);
    if (ours) {
      accepted++;
      assert.deepEqual({ ...ours }, hawkParse(h), h);
    }
  }), { numRuns: 5000 });
  assert.ok(accepted > 500, `only ${accepted} of 5000 generated headers were accepted: the generator no longer tests the shortcut`);
});

const CREDS = credentialsOf('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const BASE: MacInput = { method: 'post', resource: '/v1/call-url?x=1', host: 'LocalHost', port: 5000, ts: '1405515536', nonce: 'Ypm8Zp' };

test('hawkMac: the hawk package MACs (header; response without hash and ext), with hash, ext, app and dlg', () => {
  for (const extra of [{}, { hash: 'nHZy2+OmFQIjG93LjhsnPABy1woEDje9skIevTIJ+kQ=' }, { ext: 'd a t a' }, { app: 'app1' }, { app: 'app1', dlg: 'dlg1' }]) {
    const input = { ...BASE, ...extra };
    assert.equal(hawkMac('header', CREDS.key, input), Hawk.crypto.calculateMac('header', CREDS, input as never), JSON.stringify(extra));
    const response = { ...input, hash: undefined, ext: undefined };
    assert.equal(hawkMac('response', CREDS.key, input), Hawk.crypto.calculateMac('response', CREDS, response as never), JSON.stringify(extra));
  }
  assert.equal(hawkMac('header', CREDS.key, { ...BASE, resource: 'http://x/y' }), null, 'absolute URLs are left to hawk');
  assert.equal(hawkMac('header', CREDS.key, { ...BASE, resource: '' }), null);
});

test('serverAuthorization equals hawk server.header (no options), app/dlg kept, hash/ext/mac dropped', () => {
  for (const extra of [{}, { hash: 'h', ext: 'e', mac: 'm', id: 'i' }, { app: 'a', dlg: 'd' }]) {
    const artifacts = { ...BASE, ...extra };
    assert.equal(serverAuthorization(CREDS.key, artifacts), Hawk.server.header(CREDS as never, artifacts as never));
  }
});

test('sameMac: equal strings only', () => {
  assert.equal(sameMac('abc=', 'abc='), true);
  assert.equal(sameMac('abc=', 'abd='), false);
  assert.equal(sameMac('abc=', 'abc'), false);
  // 44 chars, the SHA-256 MAC length compared in the fixed scratch buffers.
  const mac = 'o/TlnlTOtLSjzvTo6irpGJkP5YM4zVspd4Ga78JvtRI=';
  assert.equal(sameMac(mac, mac.slice()), true);
  assert.equal(sameMac(mac, 'o/TlnlTOtLSjzvTo6irpGJkP5YM4zVspd4Ga78JvtRJ='), false);
  assert.equal(sameMac(mac, 'O/TlnlTOtLSjzvTo6irpGJkP5YM4zVspd4Ga78JvtRI='), false);
  // Non-ASCII of the same length: bytes differ (no truncation to latin1), and a later equal pair still compares right.
  assert.equal(sameMac(mac, 'Ā' + mac.slice(1)), false);
  assert.equal(sameMac('\u0100' + mac.slice(1), '\u0000' + mac.slice(1)), false);
  assert.equal(sameMac('é' + mac.slice(1), 'é' + mac.slice(1)), true);
  assert.equal(sameMac(mac, mac), true);
});

test('end to end: ext and hash attributes pass (fast path), an app attribute still passes (hawk package), both signed', async (t) => {
  const server = await startLoopServer();
  t.after(() => server.close());
  const { creds } = await register(server);
  const url = `${server.url}/v1/registration`;
  for (const options of [{ ext: 'bench data' }, { payload: '{}', contentType: 'application/json' }, { app: 'someapp', dlg: 'other' }]) {
    const header = Hawk.client.header(url, 'POST', { credentials: creds, ...options } as never);
    const r = await hawkFetch(server, creds, 'POST', '/v1/registration', { body: {}, authorization: header.header });
    assert.equal(r.status, 200, `${JSON.stringify(options)}: ${r.text}`);
    assertServerAuthorization({ ...r, artifacts: header.artifacts }, creds);
    // The nonce is used up either way.
    const again = await hawkFetch(server, creds, 'POST', '/v1/registration', { body: {}, authorization: header.header });
    assert.equal(again.status, 401);
    assert.equal(again.res.headers.get('www-authenticate'), 'Hawk error="Invalid nonce"');
  }
});
