// IPv4 and IPv6 addresses as 128-bit values (IPv4 mapped into ::ffff:0:0/96) and CIDR ranges over them.
import { hexValue } from "../encoding/hex";

export class Ip {
  constructor(
    public hi: u64,
    public lo: u64,
  ) {}
}

export class Cidr {
  constructor(
    public net: Ip,
    public bits: i32,
  ) {}

  contains(ip: Ip): bool {
    const bits = this.bits;
    if (bits == 0) return true;
    if (bits <= 64) {
      const mask = bits == 64 ? <u64>-1 : ~(<u64>-1 >> <u64>bits);
      return (ip.hi & mask) == (this.net.hi & mask);
    }
    if (ip.hi != this.net.hi) return false;
    const rest = bits - 64;
    const mask = rest == 64 ? <u64>-1 : ~(<u64>-1 >> <u64>rest);
    return (ip.lo & mask) == (this.net.lo & mask);
  }
}

const V4_MAPPED_HI: u64 = 0;
const V4_MAPPED_LO_PREFIX: u64 = 0x0000ffff00000000;

function parseV4(s: string): i64 {
  let value: u64 = 0;
  let parts = 0;
  let i = 0;
  while (i <= s.length) {
    let n = 0;
    let digits = 0;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) {
      n = n * 10 + (s.charCodeAt(i) - 0x30);
      digits++;
      i++;
      if (digits > 3) return -1;
    }
    if (digits == 0 || n > 255) return -1;
    value = (value << 8) | <u64>n;
    parts++;
    if (i == s.length) break;
    if (s.charCodeAt(i) != 0x2e || parts == 4) return -1;
    i++;
  }
  return parts == 4 ? <i64>value : -1;
}

/** Parses "1.2.3.4", "::1", "2001:db8::1", "::ffff:1.2.3.4"; null when it is not an address. */
export function parseIp(text: string): Ip | null {
  let s = text;
  // A zone id (fe80::1%eth0) does not take part in matching.
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.substring(0, pct);
  if (s.indexOf(":") < 0) {
    const v4 = parseV4(s);
    if (v4 < 0) return null;
    return new Ip(V4_MAPPED_HI, V4_MAPPED_LO_PREFIX | <u64>v4);
  }
  const groups = new StaticArray<u32>(8);
  let count = 0;
  let gap = -1;
  let i = 0;
  if (s.startsWith("::")) {
    gap = 0;
    i = 2;
    if (s.length == 2) return new Ip(0, 0);
  } else if (s.startsWith(":")) {
    return null;
  }
  while (i < s.length) {
    // An embedded IPv4 tail takes the last two groups.
    const rest = s.substring(i);
    if (rest.indexOf(":") < 0 && rest.indexOf(".") >= 0) {
      const v4 = parseV4(rest);
      if (v4 < 0 || count > 6) return null;
      groups[count++] = <u32>((<u64>v4 >> 16) & 0xffff);
      groups[count++] = <u32>(<u64>v4 & 0xffff);
      i = s.length;
      break;
    }
    let n: u32 = 0;
    let digits = 0;
    while (i < s.length && hexValue(<u32>s.charCodeAt(i)) >= 0) {
      n = (n << 4) | <u32>hexValue(<u32>s.charCodeAt(i));
      digits++;
      i++;
      if (digits > 4) return null;
    }
    if (digits == 0 || count == 8) return null;
    groups[count++] = n;
    if (i == s.length) break;
    if (s.charCodeAt(i) != 0x3a) return null;
    i++;
    if (i < s.length && s.charCodeAt(i) == 0x3a) {
      if (gap >= 0) return null;
      gap = count;
      i++;
      if (i == s.length) break;
    } else if (i == s.length) {
      return null;
    }
  }
  if (gap < 0 && count != 8) return null;
  if (gap >= 0 && count > 7) return null;
  const full = new StaticArray<u32>(8);
  if (gap < 0) {
    for (let k = 0; k < 8; k++) full[k] = groups[k];
  } else {
    for (let k = 0; k < gap; k++) full[k] = groups[k];
    const tail = count - gap;
    for (let k = 0; k < tail; k++) full[8 - tail + k] = groups[gap + k];
  }
  let hi: u64 = 0;
  let lo: u64 = 0;
  for (let k = 0; k < 4; k++) hi = (hi << 16) | <u64>full[k];
  for (let k = 4; k < 8; k++) lo = (lo << 16) | <u64>full[k];
  return new Ip(hi, lo);
}

/** "10.0.0.0/8", "2001:db8::/32" or a single address; null when invalid. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addr = parseIp(slash < 0 ? text : text.substring(0, slash));
  if (addr === null) return null;
  const isV4 = text.indexOf(":") < 0;
  const maxBits = isV4 ? 32 : 128;
  let bits = maxBits;
  if (slash >= 0) {
    const b = text.substring(slash + 1);
    if (b.length == 0 || b.length > 3) return null;
    bits = 0;
    for (let i = 0; i < b.length; i++) {
      const d = b.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return null;
      bits = bits * 10 + d;
    }
    if (bits > maxBits) return null;
  }
  return new Cidr(addr, isV4 ? bits + 96 : bits);
}
