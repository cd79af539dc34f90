/**
 * The egress policy's address rules: what an IP address is (loopback, private, metadata...), and
 * whether an account may connect to it. Pure functions, no I/O: the fetch host applies them to the
 * address it actually connects to (after DNS), so DNS rebinding cannot slip a private address in.
 *
 * Only canonical literals are accepted (what DNS and the WHATWG URL parser produce): anything that
 * does not parse, such as `0177.0.0.1` or `127.1`, is 'invalid' and refused.
 */
import net from 'node:net';

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'invalid';

export interface ParsedAddress {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

/** Parses a canonical IPv4 or IPv6 literal (brackets and an IPv6 zone are accepted); null otherwise. */
export function parseAddress(text: string): ParsedAddress | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1 && s.includes(':')) s = s.slice(0, zone);
  const kind = net.isIP(s);
  if (kind === 4) return { version: 4, bytes: parseV4(s)! };
  if (kind === 6) {
    const bytes = parseV6(s);
    return bytes ? { version: 6, bytes } : null;
  }
  return null;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9]\d{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  let tail: Uint8Array | null = null;
  let body = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseV4(s.slice(lastColon + 1));
    if (!tail) return null;
    body = s.slice(0, lastColon + 1) + '0:0'; // placeholder groups, replaced below
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i])) return null;
    const n = parseInt(all[i], 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

export function formatAddress(a: ParsedAddress): string {
  if (a.version === 4) return Array.from(a.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a.bytes[i] << 8) | a.bytes[i + 1]).toString(16));
  // The longest run of zero groups becomes '::'.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

interface Cidr {
  version: 4 | 6;
  bytes: Uint8Array;
  bits: number;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addr = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (!addr) return null;
  const max = addr.version === 4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return null;
    bits = Number(b);
  }
  return { version: addr.version, bytes: addr.bytes, bits };
}

export function inCidr(a: ParsedAddress, c: Cidr): boolean {
  if (a.version !== c.version) return false;
  let bits = c.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a.bytes[i] & mask) !== (c.bytes[i] & mask)) return false;
  }
  return true;
}

const table = (rows: [string, AddressClass][]) => rows.map(([c, k]) => [parseCidr(c)!, k] as const);

/** First match wins, so the narrower ranges come first. */
const V4 = table([
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['100.64.0.0/10', 'shared'], // carrier-grade NAT
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OpenStack...
  ['169.254.170.2/32', 'metadata'], // AWS ECS task credentials
  ['169.254.0.0/16', 'link-local'],
  ['168.63.129.16/32', 'metadata'], // Azure WireServer: a public-looking address answered by the host
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast (deprecated)
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const V6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'metadata'], // AWS over IPv6
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['ff00::/8', 'multicast'],
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'documentation'],
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64
]);

/** IPv6 forms that carry an IPv4 address, which is what is reached: [prefix, offset of the IPv4 bytes]. */
const EMBEDS_V4 = [
  [parseCidr('::ffff:0:0/96')!, 12], // IPv4-mapped
  [parseCidr('::ffff:0:0:0/96')!, 12], // IPv4-translated (SIIT)
  [parseCidr('64:ff9b::/96')!, 12], // NAT64 well-known prefix
  [parseCidr('::/96')!, 12], // IPv4-compatible (deprecated); :: and ::1 are classified first
  [parseCidr('2002::/16')!, 2], // 6to4
] as const;

/** The IPv4 address an IPv6 address stands for, if it is one of the forms that embed one. */
export function embeddedV4(a: ParsedAddress): ParsedAddress | null {
  if (a.version !== 6) return null;
  for (const [prefix, at] of EMBEDS_V4) {
    if (inCidr(a, prefix)) return { version: 4, bytes: a.bytes.slice(at, at + 4) };
  }
  return null;
}

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is; the address itself otherwise. */
export function unmap(a: ParsedAddress): ParsedAddress {
  return a.version === 6 && inCidr(a, EMBEDS_V4[0][0]) ? { version: 4, bytes: a.bytes.slice(12) } : a;
}

export function classify(address: string | ParsedAddress): AddressClass {
  const a = typeof address === 'string' ? parseAddress(address) : address;
  if (!a) return 'invalid';
  if (a.version === 4) {
    for (const [c, k] of V4) if (inCidr(a, c)) return k;
    return 'public';
  }
  if (a.bytes.every((b) => b === 0)) return 'unspecified';
  if (a.bytes.slice(0, 15).every((b) => b === 0) && a.bytes[15] === 1) return 'loopback';
  const v4 = embeddedV4(a);
  if (v4) return classify(v4);
  for (const [c, k] of V6) if (inCidr(a, c)) return k;
  return 'public';
}

export interface AllowRule {
  /** 'host' entries allow that host name (or, with a leading '*.', its subdomains) whatever it resolves to. */
  kind: 'cidr' | 'host';
  text: string;
  cidr?: Cidr;
  host?: string;
  wildcard?: boolean;
}

/** Parses an operator's allowlist: CIDRs ('10.1.0.0/16'), addresses ('127.0.0.1', '::1') and host names. */
export function parseAllowList(entries: readonly string[]): AllowRule[] {
  return entries.map((raw) => {
    const text = String(raw).trim();
    const cidr = parseCidr(text);
    if (cidr) return { kind: 'cidr', text, cidr: cidr.version === 6 && cidr.bits >= 96 ? unmapCidr(cidr) : cidr };
    const lower = text.toLowerCase().replace(/\.$/, '');
    const wildcard = lower.startsWith('*.');
    const host = wildcard ? lower.slice(2) : lower;
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
      throw new Error(`Egress allowlist entry ${JSON.stringify(raw)} is neither an address, a CIDR nor a host name`);
    }
    return { kind: 'host', text, host, wildcard };
  });
}

function unmapCidr(c: Cidr): Cidr {
  const a = unmap({ version: 6, bytes: c.bytes });
  return a.version === 4 ? { version: 4, bytes: a.bytes, bits: c.bits - 96 } : c;
}

export function hostAllowed(rules: readonly AllowRule[], hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return rules.some((r) => r.kind === 'host' && (r.wildcard ? h.endsWith('.' + r.host!) : h === r.host));
}

export function addressAllowedByRule(rules: readonly AllowRule[], a: ParsedAddress): boolean {
  const u = unmap(a);
  return rules.some((r) => r.kind === 'cidr' && inCidr(u, r.cidr!));
}

export type Verdict = { ok: true; address: string; class: AddressClass } | { ok: false; address: string; class: AddressClass };

/**
 * Whether an account may connect to `address` (reached through `hostname`, if any): public
 * addresses unless `publicInternet` is false, anything an allowlist rule covers, nothing else.
 */
export function checkAddress(
  address: string,
  o: { rules: readonly AllowRule[]; hostname?: string; publicInternet?: boolean },
): Verdict {
  const a = parseAddress(address);
  const k = a ? classify(a) : 'invalid';
  const shown = address.replace(/^\[|\]$/g, '');
  if (!a) return { ok: false, address: shown, class: k };
  if (addressAllowedByRule(o.rules, a)) return { ok: true, address: shown, class: k };
  if (o.hostname !== undefined && hostAllowed(o.rules, o.hostname)) return { ok: true, address: shown, class: k };
  return { ok: k === 'public' && o.publicInternet !== false, address: shown, class: k };
}
