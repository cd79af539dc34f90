// The egress policy's address classifier and allowlist, exhaustively: every refused range, its
// edges, and the IPv6 forms that carry an IPv4 address.
import { describe, expect, it } from 'vitest';
import { checkAddress, classify, parseAddress, parseAllowList } from '../../src/modules/fetch/egress.js';

const cases: [string, string][] = [
  // IPv4: "this network" and unspecified
  ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['0.255.255.255', 'unspecified'],
  // loopback, the whole /8
  ['127.0.0.1', 'loopback'], ['127.0.0.2', 'loopback'], ['127.255.255.255', 'loopback'], ['127.1.2.3', 'loopback'],
  // private
  ['10.0.0.0', 'private'], ['10.255.255.255', 'private'], ['10.1.2.3', 'private'],
  ['172.16.0.0', 'private'], ['172.31.255.255', 'private'], ['172.20.1.1', 'private'],
  ['192.168.0.0', 'private'], ['192.168.255.255', 'private'], ['192.168.1.1', 'private'],
  // just outside the private ranges
  ['9.255.255.255', 'public'], ['11.0.0.0', 'public'], ['172.15.255.255', 'public'], ['172.32.0.0', 'public'],
  ['192.167.255.255', 'public'], ['192.169.0.0', 'public'],
  // carrier-grade NAT, and Alibaba's metadata inside it
  ['100.64.0.0', 'shared'], ['100.127.255.255', 'shared'], ['100.63.255.255', 'public'], ['100.128.0.0', 'public'],
  ['100.100.100.200', 'metadata'],
  // link-local and the cloud metadata services
  ['169.254.0.0', 'link-local'], ['169.254.255.255', 'link-local'], ['169.254.1.1', 'link-local'],
  ['169.254.169.254', 'metadata'], ['169.254.170.2', 'metadata'], ['168.63.129.16', 'metadata'],
  ['169.253.255.255', 'public'], ['169.255.0.0', 'public'],
  // reserved, documentation, benchmarking
  ['192.0.0.1', 'reserved'], ['192.0.2.1', 'documentation'], ['198.51.100.7', 'documentation'], ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'reserved'], ['198.19.255.255', 'reserved'], ['198.20.0.0', 'public'], ['192.88.99.1', 'reserved'],
  // multicast, class E, broadcast
  ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['240.0.0.1', 'reserved'], ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'], ['223.255.255.255', 'public'],
  // public
  ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['93.184.216.34', 'public'],
  // IPv6
  ['::', 'unspecified'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['[::1]', 'loopback'],
  ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['febf:ffff::1', 'link-local'], ['fec0::1', 'private'],
  ['fc00::1', 'unique-local'], ['fd12:3456::1', 'unique-local'], ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique-local'],
  ['fd00:ec2::254', 'metadata'],
  ['ff02::1', 'multicast'], ['ff05::1:3', 'multicast'],
  ['100::1', 'reserved'], ['2001:db8::1', 'documentation'], ['64:ff9b:1::1', 'reserved'],
  ['2606:4700:4700::1111', 'public'], ['2001:4860:4860::8888', 'public'], ['fbff::1', 'public'], ['fe7f::1', 'public'],
  // IPv4-mapped IPv6: the IPv4 address is what is reached
  ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::FFFF:7F00:0001', 'loopback'],
  ['::ffff:10.0.0.1', 'private'], ['::ffff:172.16.0.1', 'private'], ['::ffff:192.168.0.1', 'private'],
  ['::ffff:169.254.169.254', 'metadata'], ['::ffff:a9fe:a9fe', 'metadata'], ['::ffff:169.254.1.1', 'link-local'],
  ['::ffff:0.0.0.0', 'unspecified'], ['::ffff:224.0.0.1', 'multicast'], ['::ffff:8.8.8.8', 'public'],
  ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
  // the other forms that embed IPv4: translated, compatible, NAT64, 6to4
  ['::ffff:0:127.0.0.1', 'loopback'], ['::127.0.0.1', 'loopback'], ['::7f00:1', 'loopback'], ['::10.0.0.1', 'private'],
  ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'metadata'], ['64:ff9b::8.8.8.8', 'public'],
  ['2002:7f00:1::', 'loopback'], ['2002:a00:1::1', 'private'], ['2002:808:808::1', 'public'],
  // not canonical literals: refused as invalid, never guessed at
  ['0177.0.0.1', 'invalid'], ['127.1', 'invalid'], ['2130706433', 'invalid'], ['0x7f.0.0.1', 'invalid'],
  ['localhost', 'invalid'], ['', 'invalid'], ['1.2.3.256', 'invalid'], ['::ffff:1.2.3', 'invalid'], ['1::2::3', 'invalid'],
];

describe('classify', () => {
  it.each(cases)('%s is %s', (address, expected) => {
    expect(classify(address)).toBe(expected);
  });

  it('parses IPv6 with :: anywhere and a dotted tail', () => {
    expect(Array.from(parseAddress('1:2::7:8')!.bytes)).toEqual([0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8]);
    expect(Array.from(parseAddress('::ffff:1.2.3.4')!.bytes.slice(10))).toEqual([255, 255, 1, 2, 3, 4]);
    expect(parseAddress('1:2:3:4:5:6:7:8:9')).toBeNull();
  });
});

describe('checkAddress', () => {
  const none = { rules: parseAllowList([]) };

  it('refuses every non-public class by default and allows public addresses', () => {
    for (const [address, k] of cases) {
      expect(checkAddress(address, none)).toMatchObject({ ok: k === 'public', class: k });
    }
  });

  it('allows what the allowlist covers: exact addresses, CIDRs, IPv6, and the mapped forms of IPv4 entries', () => {
    const rules = parseAllowList(['127.0.0.1/32', '10.1.0.0/16', '::1', '192.168.5.5']);
    const ok = (a: string) => checkAddress(a, { rules }).ok;
    expect(ok('127.0.0.1')).toBe(true);
    expect(ok('::ffff:127.0.0.1')).toBe(true);
    expect(ok('127.0.0.2')).toBe(false);
    expect(ok('10.1.200.3')).toBe(true);
    expect(ok('10.2.0.1')).toBe(false);
    expect(ok('::1')).toBe(true);
    expect(ok('192.168.5.5')).toBe(true);
    expect(ok('192.168.5.6')).toBe(false);
    expect(ok('169.254.169.254')).toBe(false);
    // the NAT64 form of an allowed address is not the address: it goes through a gateway
    expect(ok('64:ff9b::127.0.0.1')).toBe(false);
    // a mapped-IPv6 entry covers the IPv4 address too
    expect(checkAddress('127.0.0.9', { rules: parseAllowList(['::ffff:127.0.0.0/104']) }).ok).toBe(true);
  });

  it('allows host-name entries whatever they resolve to, and wildcard subdomains', () => {
    const rules = parseAllowList(['api.internal', '*.corp.example']);
    expect(checkAddress('10.0.0.5', { rules, hostname: 'api.internal' }).ok).toBe(true);
    expect(checkAddress('10.0.0.5', { rules, hostname: 'API.internal.' }).ok).toBe(true);
    expect(checkAddress('10.0.0.5', { rules, hostname: 'x.corp.example' }).ok).toBe(true);
    expect(checkAddress('10.0.0.5', { rules, hostname: 'corp.example' }).ok).toBe(false);
    expect(checkAddress('10.0.0.5', { rules, hostname: 'other.internal' }).ok).toBe(false);
    expect(checkAddress('10.0.0.5', { rules }).ok).toBe(false);
  });

  it('with publicInternet false, only the allowlist is reachable', () => {
    const rules = parseAllowList(['127.0.0.1']);
    expect(checkAddress('8.8.8.8', { rules, publicInternet: false }).ok).toBe(false);
    expect(checkAddress('127.0.0.1', { rules, publicInternet: false }).ok).toBe(true);
  });

  it('rejects allowlist entries that are not addresses, CIDRs or host names', () => {
    expect(() => parseAllowList(['10.0.0.0/33'])).toThrow(/neither an address, a CIDR nor a host name/);
    expect(() => parseAllowList(['http://x'])).toThrow(/neither/);
  });
});
