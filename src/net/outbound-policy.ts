import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP, isIPv4 } from 'node:net';
import { ipv6Words } from './ipv6.ts';

/*
 * Where the server may send its own HTTP requests (push wake-ups, identity
 * verifiers, the media provider, heartbeat probes). Destinations are judged by
 * the IP address actually connected to: a host name is resolved, every address
 * checked, and only checked addresses are handed to the socket, so a DNS
 * answer that changes between check and connect (rebinding) cannot slip in.
 */

/** Why an address is refused; `public` addresses are not. */
export type AddressRange =
  | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared (CGNAT)' | 'multicast' | 'reserved';

/** An outbound destination the policy refuses: a value, never thrown across modules. */
export interface OutboundRefusal {
  readonly ok: false;
  readonly code: 'outbound_refused';
  /** The host name or address of the URL. */
  readonly host: string;
  /** The address (after resolution) that was refused. */
  readonly address: string;
  readonly range: AddressRange;
  readonly message: string;
}

/** A bad OUTBOUND_ALLOW entry. */
export interface AllowListError {
  readonly ok: false;
  readonly entry: string;
  readonly message: string;
}

function list(family: 'ipv4' | 'ipv6', subnets: readonly string[]): BlockList {
  const b = new BlockList();
  for (const s of subnets) {
    const [net, prefix] = s.split('/');
    b.addSubnet(net, Number(prefix), family);
  }
  return b;
}

/** Special-purpose ranges (IANA registries), checked in this order; IPv4-mapped and NAT64 forms are unwrapped first. */
const RANGES: readonly (readonly [AddressRange, BlockList, BlockList])[] = [
  ['unspecified', list('ipv4', ['0.0.0.0/8']), list('ipv6', ['::/128'])],
  ['loopback', list('ipv4', ['127.0.0.0/8']), list('ipv6', ['::1/128'])],
  ['private', list('ipv4', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']), list('ipv6', ['fc00::/7'])],
  ['link-local', list('ipv4', ['169.254.0.0/16']), list('ipv6', ['fe80::/10'])],
  ['shared (CGNAT)', list('ipv4', ['100.64.0.0/10']), list('ipv6', [])],
  ['multicast', list('ipv4', ['224.0.0.0/4']), list('ipv6', ['ff00::/8'])],
  [
    'reserved',
    // IETF assignments, documentation, 6to4 relay, benchmarking, 240/4 (with the broadcast address).
    list('ipv4', ['192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4']),
    // IPv4-compatible and -translated, local NAT64, discard, IETF/Teredo, documentation, 6to4, site-local, SRv6.
    list('ipv6', ['::/96', '::ffff:0:0:0/96', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32', '3fff::/20', '2002::/16', 'fec0::/10', '5f00::/16']),
  ],
];

const quadOf = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The address an IPv6 form stands for: `::ffff:a.b.c.d` (IPv4-mapped) and
 * `64:ff9b::a.b.c.d` (NAT64 well-known prefix) become `a.b.c.d`; anything else
 * is returned as is (lower-cased, zone id dropped).
 */
export function unwrapAddress(address: string): string {
  const plain = address.split('%')[0].toLowerCase();
  if (isIP(plain) !== 6) return plain;
  const w = ipv6Words(plain);
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && w[5] === 0xffff) return quadOf(w[6], w[7]);
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return quadOf(w[6], w[7]);
  return plain;
}

/** The special range `address` (an IP literal) falls in, or 'public'. Not an IP address: 'reserved'. */
export function classifyAddress(address: string): AddressRange | 'public' {
  const a = unwrapAddress(address);
  const family = isIP(a);
  if (family === 0) return 'reserved';
  for (const [range, v4, v6] of RANGES) {
    if (family === 4 ? v4.check(a, 'ipv4') : v6.check(a, 'ipv6')) return range;
  }
  // Only 2000::/3 holds global unicast; the rest of IPv6 is unassigned.
  if (family === 6 && (ipv6Words(a)[0] & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** A URL host as compared: lower case, no brackets, no trailing dot. */
export const normalHost = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');

/** The parsed OUTBOUND_ALLOW list: names, and addresses/networks in one BlockList. */
export interface OutboundAllow {
  readonly ok: true;
  readonly names: ReadonlySet<string>;
  readonly networks: BlockList;
  /** The entries as given, for logs. */
  readonly entries: readonly string[];
}

/** Parses OUTBOUND_ALLOW entries: host names, IP addresses, or CIDR networks (`10.1.0.0/16`, `fd00::/8`). */
export function parseOutboundAllow(entries: readonly string[]): OutboundAllow | AllowListError {
  const names = new Set<string>();
  const networks = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const bad = (why: string): AllowListError => ({ ok: false, entry, message: `${JSON.stringify(entry)}: ${why}` });
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const base = normalHost(entry.slice(0, slash));
      const bits = entry.slice(slash + 1);
      const family = isIP(base);
      const max = family === 4 ? 32 : 128;
      if (family === 0) return bad('a network must be an IP address, "/" and a prefix length');
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return bad(`the prefix length must be 0 to ${max}`);
      const unwrapped = unwrapAddress(base);
      if (family === 6 && isIPv4(unwrapped) && Number(bits) >= 96) networks.addSubnet(unwrapped, Number(bits) - 96, 'ipv4');
      else networks.addSubnet(base, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const host = normalHost(entry);
    const family = isIP(host);
    if (family !== 0) {
      const unwrapped = unwrapAddress(host);
      networks.addAddress(unwrapped, isIPv4(unwrapped) ? 'ipv4' : 'ipv6');
    } else if (HOST_NAME.test(host)) {
      names.add(host);
    } else {
      return bad('not a host name, an IP address or a CIDR network');
    }
  }
  return { ok: true, names, networks, entries: entries.map((e) => e.trim()) };
}

const EMPTY_ALLOW: OutboundAllow = Object.freeze({ ok: true, names: new Set<string>(), networks: new BlockList(), entries: [] });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The error a guarded lookup fails with; net passes it on as the request's error. */
export class OutboundRefusedError extends Error {
  constructor(readonly refusal: OutboundRefusal) {
    super(refusal.message);
    this.name = 'OutboundRefusedError';
  }
}

/** Resolves a name to all its addresses (dns.lookup with `all: true`); a seam for tests. */
export type Resolver = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** The default-deny policy plus the allow list; builds the guarded `lookup` for node:http(s). */
export class OutboundPolicy {
  readonly #allow: OutboundAllow;
  readonly #resolve: Resolver;

  constructor(allow: OutboundAllow = EMPTY_ALLOW, resolve: Resolver = dnsLookup) {
    this.#allow = allow;
    this.#resolve = resolve;
  }

  /** Throws on a bad entry; for callers whose list was already validated (the config). */
  static fromList(entries: readonly string[]): OutboundPolicy {
    const allow = parseOutboundAllow(entries);
    if (!allow.ok) throw new Error(`OUTBOUND_ALLOW ${allow.message}`);
    return new OutboundPolicy(allow);
  }

  /** Whether `host` (a URL's host name) may resolve to anything. */
  allowsName(host: string): boolean {
    return this.#allow.names.has(normalHost(host));
  }

  /** Checks one address `host` resolved to (or `host` itself when it is an IP literal). */
  checkAddress(host: string, address: string): OutboundRefusal | undefined {
    if (this.allowsName(host)) return undefined;
    const a = unwrapAddress(address);
    const family = isIP(a) === 4 ? 'ipv4' : 'ipv6';
    if (isIP(a) !== 0 && this.#allow.networks.check(a, family)) return undefined;
    const range = classifyAddress(a);
    if (range === 'public') return undefined;
    const shown = normalHost(host) === a ? a : `${normalHost(host)} (${a})`;
    return { ok: false, code: 'outbound_refused', host: normalHost(host), address: a, range, message: `${shown} is a ${range} address` };
  }

  /**
   * The check that needs no DNS: a URL whose host is an IP literal in a
   * refused range. Names are only judged when resolved (guarded lookup).
   */
  checkLiteralHost(hostname: string): OutboundRefusal | undefined {
    const host = normalHost(hostname);
    return isIP(host) === 0 ? undefined : this.checkAddress(host, host);
  }

  /**
   * A `dns.lookup`-compatible function for http.request / net.connect: it
   * resolves every address, keeps those the policy permits and fails with
   * OutboundRefusedError when none is left. The socket connects only to what
   * this returns.
   */
  readonly lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    this.#resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const permitted: LookupAddress[] = [];
      let first: OutboundRefusal | undefined;
      for (const entry of addresses) {
        const refusal = this.checkAddress(hostname, entry.address);
        if (refusal) first ??= refusal;
        else permitted.push(entry);
      }
      if (permitted.length === 0) {
        const refusal = first ?? { ok: false, code: 'outbound_refused', host: hostname, address: '', range: 'reserved', message: `${hostname} has no address` } as const;
        return callback(new OutboundRefusedError(refusal), []);
      }
      if ((options as LookupAllOptions).all) callback(null, permitted);
      else callback(null, permitted[0].address, permitted[0].family);
    });
  };
}
