import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { ipv6Words } from '../net/ipv6.ts';

/**
 * Who a request comes from, for per-client limits: the connection's peer, or,
 * when the peer is a trusted proxy, the right-most address of
 * X-Forwarded-For that is not itself a trusted proxy. Never trusted by
 * default: without TRUST_PROXY the header is ignored (anyone can write it).
 */

/** TRUST_PROXY: addresses and CIDR networks (IPv4 or IPv6). */
export class TrustedProxies {
  readonly #list = new BlockList();
  /** true when nothing is trusted: X-Forwarded-For is never read. */
  readonly none: boolean;

  /** Throws an Error naming the first entry it cannot read (see trustProxyProblem). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = addEntry(this.#list, entry);
      if (problem) throw new Error(problem);
    }
    this.none = entries.length === 0;
  }

  /** Whether `address` (IPv4 dotted, or IPv6 text) is a trusted proxy. */
  trusts(address: string): boolean {
    if (this.none) return false;
    if (isIPv4(address)) return this.#list.check(address, 'ipv4');
    return isIPv6(address) && this.#list.check(address, 'ipv6');
  }
}

/** Why a TRUST_PROXY list is unreadable, or undefined when it is fine. */
export function trustProxyProblem(entries: readonly string[]): string | undefined {
  const list = new BlockList();
  for (const entry of entries) {
    const problem = addEntry(list, entry);
    if (problem) return problem;
  }
  return undefined;
}

function addEntry(list: BlockList, entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  if (!family) return `${JSON.stringify(entry)} is not an IP address or CIDR network`;
  if (slash < 0) {
    list.addAddress(address, family);
    return undefined;
  }
  const bits = entry.slice(slash + 1);
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `${JSON.stringify(entry)}: the prefix length must be 0 to ${max}`;
  list.addSubnet(address, Number(bits), family);
  return undefined;
}

/**
 * The text of a binary peer address as uWS gives it (4 or 16 bytes). An
 * IPv4-mapped IPv6 address (a dual-stack socket) comes out as IPv4. uWS's own
 * getRemoteAddressAsText drops leading zeros inside IPv6 groups, which makes
 * different addresses print alike, hence this.
 */
export function addressText(bytes: ArrayBuffer): string {
  const b = new Uint8Array(bytes);
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return '';
  if (isMapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let out = '';
  for (let i = 0; i < 16; i += 2) out += (i ? ':' : '') + ((b[i] << 8) | b[i + 1]).toString(16);
  return out;
}

function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * The client address of a request whose peer is `peer`: the peer itself,
 * unless it is a trusted proxy; then X-Forwarded-For is walked from the right
 * (the entry the nearest proxy appended) past every trusted proxy, and the
 * first other address is the client. A malformed entry stops the walk: the
 * last trusted hop is then the client.
 */
export function clientAddress(peer: string, forwardedFor: string, trusted: TrustedProxies): string {
  if (trusted.none || forwardedFor === '' || !trusted.trusts(peer)) return peer;
  let client = peer;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i].trim());
    if (hop === null) break;
    client = hop;
    if (!trusted.trusts(hop)) break;
  }
  return client;
}

/** One X-Forwarded-For entry as an address: bare, `[v6]:port`, `v4:port`, IPv4-mapped IPv6 as IPv4; null if none. */
function hopAddress(entry: string): string | null {
  let text = entry;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    text = text.slice(1, end);
  } else if (text.indexOf(':') === text.lastIndexOf(':') && text.includes(':')) {
    text = text.slice(0, text.indexOf(':')); // v4:port
  }
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  return mapped ? mapped[1] : text;
}

/**
 * The key a client's limits are counted under: an IPv4 address as it is, an
 * IPv6 address by its /64 network (one subscriber usually holds a whole /64,
 * so counting single addresses would let it rotate past every limit).
 */
export function limitKey(address: string): string {
  if (address.indexOf(':') < 0) return address;
  const groups = ipv6Groups(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] | null {
  if (!isIPv6(address)) return null;
  const zone = address.indexOf('%');
  return ipv6Words(zone < 0 ? address : address.slice(0, zone)).map((w) => w.toString(16));
}
