import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import {
  OutboundPolicy, OutboundRefusedError, classifyAddress, parseOutboundAllow, unwrapAddress,
} from '../../src/net/outbound-policy.ts';

const CASES: [string, ReturnType<typeof classifyAddress>][] = [
  // unspecified / "this network" (0.0.0.0 reaches the local host on Linux)
  ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['::', 'unspecified'],
  ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'],
  ['10.0.0.1', 'private'], ['10.255.255.255', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'], ['fc00::1', 'private'], ['fd12:3456::1', 'private'],
  ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['febf::1', 'link-local'],
  ['100.64.0.1', 'shared (CGNAT)'], ['100.127.255.255', 'shared (CGNAT)'],
  ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['ff02::1', 'multicast'],
  ['192.0.0.8', 'reserved'], ['192.0.2.1', 'reserved'], ['198.18.0.1', 'reserved'], ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'],
  ['2001:db8::1', 'reserved'], ['2002:7f00:1::1', 'reserved'], ['2001::1', 'reserved'], ['100::1', 'reserved'],
  ['fec0::1', 'reserved'], ['::7f00:1', 'reserved'], ['::ffff:0:7f00:1', 'reserved'], ['64:ff9b:1::1', 'reserved'],
  ['4000::1', 'reserved'], ['not an address', 'reserved'],
  // just outside the ranges
  ['1.1.1.1', 'public'], ['8.8.8.8', 'public'], ['11.0.0.1', 'public'], ['172.15.255.255', 'public'], ['172.32.0.1', 'public'],
  ['100.63.255.255', 'public'], ['100.128.0.1', 'public'], ['169.253.0.1', 'public'], ['192.169.0.1', 'public'],
  ['223.255.255.255', 'public'], ['2606:4700:4700::1111', 'public'], ['2a00:1450::1', 'public'],
];

test('each special range is classified; the addresses just outside are public', () => {
  for (const [address, range] of CASES) assert.equal(classifyAddress(address), range, address);
});

test('IPv4-mapped and NAT64 IPv6 forms are judged as the IPv4 address they carry', () => {
  for (const [mapped, range] of [
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::FFFF:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'], ['::ffff:100.64.0.1', 'shared (CGNAT)'], ['::ffff:0.0.0.0', 'unspecified'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'], ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::a00:1', 'private'],
    ['::ffff:8.8.8.8', 'public'], ['64:ff9b::808:808', 'public'],
  ] as const) {
    assert.equal(classifyAddress(mapped), range, mapped);
  }
  assert.equal(unwrapAddress('::ffff:7f00:1'), '127.0.0.1');
  assert.equal(unwrapAddress('fe80::1%eth0'), 'fe80::1');
  assert.equal(unwrapAddress('2001:DB8::1'), '2001:db8::1');
});

test('the default policy refuses every special address and names the range', () => {
  const p = new OutboundPolicy();
  for (const [address, range] of CASES) {
    const refusal = p.checkAddress('push.example', address);
    if (range === 'public') assert.equal(refusal, undefined, address);
    else assert.deepEqual({ range: refusal?.range, code: refusal?.code }, { range, code: 'outbound_refused' }, address);
  }
  assert.match(p.checkAddress('push.example', '::ffff:127.0.0.1')!.message, /push\.example \(127\.0\.0\.1\) is a loopback address/);
  assert.equal(p.checkLiteralHost('[::1]')?.range, 'loopback');
  assert.equal(p.checkLiteralHost('127.0.0.1')?.message, '127.0.0.1 is a loopback address');
  assert.equal(p.checkLiteralHost('push.example'), undefined, 'names are only judged after resolution');
});

test('the allow list: host names, IP addresses and CIDR networks', () => {
  const allow = parseOutboundAllow(['Push.Internal.', '127.0.0.1', '10.1.0.0/16', 'fd00:1::/32', '[::1]', '::ffff:192.168.0.0/112']);
  assert.ok(allow.ok);
  const p = new OutboundPolicy(allow);
  assert.equal(p.checkAddress('push.internal', '10.9.9.9'), undefined, 'an allowed name may resolve anywhere');
  assert.equal(p.checkAddress('PUSH.internal.', '169.254.169.254'), undefined);
  assert.equal(p.checkAddress('other.internal', '10.9.9.9')?.range, 'private', 'other names are not');
  assert.equal(p.checkAddress('x', '127.0.0.1'), undefined);
  assert.equal(p.checkAddress('x', '::ffff:127.0.0.1'), undefined, 'mapped forms match the IPv4 entry');
  assert.equal(p.checkAddress('x', '127.0.0.2')?.range, 'loopback', 'one address is not its network');
  assert.equal(p.checkAddress('x', '10.1.255.255'), undefined);
  assert.equal(p.checkAddress('x', '10.2.0.1')?.range, 'private');
  assert.equal(p.checkAddress('x', 'fd00:1:ffff::1'), undefined);
  assert.equal(p.checkAddress('x', 'fd00:2::1')?.range, 'private');
  assert.equal(p.checkAddress('x', '::1'), undefined);
  assert.equal(p.checkAddress('x', '192.168.7.7'), undefined, 'a mapped network is an IPv4 network');
  assert.equal(p.checkLiteralHost('127.0.0.1'), undefined);
  assert.equal(p.checkLiteralHost('10.1.2.3'), undefined);
});

test('bad allow-list entries are errors naming the entry', () => {
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'push..internal', 'http://push', 'push.internal:8080', '*.example', 'a b', 'name/8']) {
    const r = parseOutboundAllow([bad]);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.equal(r.entry, bad);
  }
  assert.equal(parseOutboundAllow([]).ok, true);
  assert.throws(() => OutboundPolicy.fromList(['nope nope']), /OUTBOUND_ALLOW/);
});

function lookup(p: OutboundPolicy, host: string, all: boolean): Promise<{ err: Error | null; address: string | LookupAddress[] }> {
  return new Promise((resolve) => p.lookup(host, { all } as never, (err, address) => resolve({ err, address })));
}

test('the guarded lookup refuses a name resolving to loopback, and passes an allowed one on', async () => {
  const strict = await lookup(new OutboundPolicy(), 'localhost', false);
  assert.ok(strict.err instanceof OutboundRefusedError);
  assert.equal((strict.err as OutboundRefusedError).refusal.range, 'loopback');
  assert.equal((strict.err as OutboundRefusedError).refusal.host, 'localhost');

  const byName = OutboundPolicy.fromList(['localhost']);
  const one = await lookup(byName, 'localhost', false);
  assert.equal(one.err, null);
  assert.equal(classifyAddress(one.address as string), 'loopback');
  const every = await lookup(byName, 'localhost', true);
  assert.ok(Array.isArray(every.address) && every.address.length > 0);

  // Allowing 127.0.0.1 lets `localhost` through on that address only (never ::1).
  const byAddress = await lookup(OutboundPolicy.fromList(['127.0.0.1']), 'localhost', true);
  if (byAddress.err === null) assert.deepEqual((byAddress.address as LookupAddress[]).map((a) => a.address), ['127.0.0.1']);
  else assert.equal((byAddress.err as OutboundRefusedError).refusal.address, '::1', 'this host resolves localhost to ::1 only');
});

test('every resolved address is checked; only permitted ones reach the socket, from the one resolution made', async () => {
  let calls = 0;
  const answers: Record<string, string[]> = {
    'rebind.example': ['127.0.0.1', '93.184.216.34'],
    'inside.example': ['10.0.0.5', '::ffff:169.254.169.254'],
    'outside.example': ['93.184.216.34', '2606:2800:220:1::1'],
  };
  const resolver = (host: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) => {
    calls++;
    cb(null, (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  const p = new OutboundPolicy(undefined, resolver);

  const mixed = await lookup(p, 'rebind.example', true);
  assert.deepEqual((mixed.address as LookupAddress[]).map((a) => a.address), ['93.184.216.34'], 'the loopback answer is dropped');
  const single = await lookup(p, 'rebind.example', false);
  assert.equal(single.address, '93.184.216.34');

  const inside = await lookup(p, 'inside.example', true);
  assert.ok(inside.err instanceof OutboundRefusedError);
  assert.deepEqual([(inside.err as OutboundRefusedError).refusal.address, (inside.err as OutboundRefusedError).refusal.range], ['10.0.0.5', 'private']);

  const outside = await lookup(p, 'outside.example', true);
  assert.equal((outside.address as LookupAddress[]).length, 2);

  const empty = await lookup(p, 'nothing.example', true);
  assert.ok(empty.err instanceof OutboundRefusedError, 'no address at all is refused');
  assert.equal(calls, 5, 'one resolution per connection: what is checked is what is used');
});
