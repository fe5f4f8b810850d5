import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrustedProxies, addressText, clientAddress, limitKey, trustProxyProblem } from '../../src/limits/client-address.ts';

const bytes = (...b: number[]) => new Uint8Array(b).buffer;

test('addressText: IPv4, IPv4-mapped IPv6 as IPv4, IPv6 groups with their zeros kept apart', () => {
  assert.equal(addressText(bytes(127, 0, 0, 2)), '127.0.0.2');
  assert.equal(addressText(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3)), '10.1.2.3');
  assert.equal(addressText(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), '2001:db8:0:0:0:0:0:1');
  // uWS's own text form prints both of these as "1:23…": they must differ.
  assert.notEqual(
    addressText(bytes(0x01, 0x23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
    addressText(bytes(0x12, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
  );
  assert.equal(addressText(bytes(1, 2)), '');
});

test('TRUST_PROXY entries: addresses and CIDR networks of both families; anything else is named', () => {
  assert.equal(trustProxyProblem(['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0']), undefined);
  assert.match(trustProxyProblem(['10.0.0.1', 'proxy.local'])!, /"proxy.local" is not an IP address/);
  assert.match(trustProxyProblem(['10.0.0.0/33'])!, /0 to 32/);
  assert.match(trustProxyProblem(['fd00::/200'])!, /0 to 128/);
  assert.match(trustProxyProblem(['10.0.0.0/'])!, /prefix length/);
  assert.throws(() => new TrustedProxies(['nope']), /not an IP address/);
  const t = new TrustedProxies(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
  assert.ok(t.trusts('10.200.3.4'));
  assert.ok(t.trusts('192.0.2.7'));
  assert.ok(!t.trusts('192.0.2.8'));
  assert.ok(t.trusts('2001:db8:0:0:0:0:0:1'));
  assert.ok(t.trusts('2001:db8::99'));
  assert.ok(!t.trusts('2001:db9::1'));
  assert.ok(!t.trusts('garbage'));
  assert.ok(new TrustedProxies([]).none);
});

test('without trusted proxies X-Forwarded-For is ignored', () => {
  const none = new TrustedProxies([]);
  assert.equal(clientAddress('198.51.100.1', '203.0.113.9', none), '198.51.100.1');
});

test('an untrusted peer is the client, whatever it forwards', () => {
  const t = new TrustedProxies(['10.0.0.0/8']);
  assert.equal(clientAddress('198.51.100.1', '203.0.113.9', t), '198.51.100.1');
});

test('a trusted peer: the right-most untrusted X-Forwarded-For entry is the client', () => {
  const t = new TrustedProxies(['10.0.0.0/8']);
  assert.equal(clientAddress('10.0.0.1', '203.0.113.9', t), '203.0.113.9');
  // The client wrote a fake first entry; the proxy appended the real one.
  assert.equal(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.9', t), '203.0.113.9');
  // Two proxies in a row: both skipped.
  assert.equal(clientAddress('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2', t), '203.0.113.9');
  // Spaces, ports, brackets and IPv4-mapped forms.
  assert.equal(clientAddress('10.0.0.1', ' 203.0.113.9:5678 ', t), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', '[2001:db8::5]:443', t), '2001:db8::5');
  assert.equal(clientAddress('10.0.0.1', '2001:db8::5', t), '2001:db8::5');
  assert.equal(clientAddress('10.0.0.1', '::ffff:203.0.113.9', t), '203.0.113.9');
});

test('a trusted peer without X-Forwarded-For, or only trusted hops, or garbage: the last trusted hop', () => {
  const t = new TrustedProxies(['10.0.0.0/8']);
  assert.equal(clientAddress('10.0.0.1', '', t), '10.0.0.1');
  assert.equal(clientAddress('10.0.0.1', '10.0.0.3, 10.0.0.2', t), '10.0.0.3');
  assert.equal(clientAddress('10.0.0.1', 'unknown', t), '10.0.0.1');
  assert.equal(clientAddress('10.0.0.1', '203.0.113.9, junk, 10.0.0.2', t), '10.0.0.2');
});

test('limitKey: IPv4 as is, IPv6 by its /64 network whatever its spelling', () => {
  assert.equal(limitKey('203.0.113.9'), '203.0.113.9');
  const key = limitKey('2001:db8:1:2:aaaa::1');
  assert.equal(key, '2001:db8:1:2::/64');
  assert.equal(limitKey('2001:0db8:0001:0002:ffff:0:0:9'), key);
  assert.equal(limitKey('2001:db8:1:2:0:0:0:0'), key);
  assert.notEqual(limitKey('2001:db8:1:3::1'), key);
  assert.equal(limitKey('::1'), '0:0:0:0::/64');
  assert.equal(limitKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
});
