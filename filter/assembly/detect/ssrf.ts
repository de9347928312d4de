// Server-side request forgery: a URL in a value that makes the server fetch from where only it can
// reach. The URL's authority is parsed (user info, port and brackets dropped) and its host judged by
// shape: cloud metadata endpoints (169.254.169.254, fd00:ec2::254, metadata.google.internal,
// 100.100.100.200), loopback and private addresses (IPv4, IPv6, IPv4-mapped IPv6, "localhost"), and
// any IPv4 address spelled in a form only parsers accept (2130706433, 0x7f000001, 0177.0.0.1, 127.1),
// which no honest link uses. Schemes that speak raw protocols to internal services (gopher, dict,
// file, ldap, tftp, jar, netdoc) fire whatever the host. The metadata address also fires bare.

import { Hit, B_SSRF } from "./types";
import { Lexicon } from "./lexicon";
import { isWordByte, isDigit } from "./bytes";
import { url, nextUrl, HOST_IPV4, HOST_IPV4_ENCODED, HOST_IPV6, isInternalIpv4 } from "./url";

const METADATA_V4: u32 = 0xa9fea9fe; // 169.254.169.254
const ALIBABA_METADATA_V4: u32 = 0x646464c8; // 100.100.100.200

const SCHEMES = new Lexicon().add("gopher dict file ldap ldaps tftp jar netdoc sftp", 1);

/** Host names that resolve to the server itself or to a cloud's metadata service. */
const INTERNAL_NAMES = new Lexicon().add(
  "localhost metadata metadata.google.internal metadata.goog instance-data instance-data.ec2.internal " +
    "metadata.azure.com kubernetes.default kubernetes.default.svc",
  1,
);

/** Looks for SSRF in normalised bytes; fills `hit` and returns true on a hit. */
export function detectSsrf(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  let from = p;
  while (nextUrl(from, end)) {
    const at = <i32>(url.schemeStart - p);
    if (SCHEMES.find(url.schemeStart, <i32>(url.schemeEnd - url.schemeStart)) >= 0) return hit.set(B_SSRF, "ssrf.scheme", at);
    const rule = judgeHost();
    if (rule.length > 0) return hit.set(B_SSRF, rule, at);
    from = url.authorityEnd > url.schemeEnd ? url.authorityEnd : url.schemeEnd + 3;
  }
  return bareMetadata(p, end, hit);
}

/** The rule the host of `url` breaks, or "". */
function judgeHost(): string {
  const s = url.hostStart;
  const e = url.hostEnd;
  if (e <= s) return "";
  const kind = url.hostKind;
  if (kind == HOST_IPV4 || kind == HOST_IPV4_ENCODED) {
    if (url.ipv4 == METADATA_V4 || url.ipv4 == ALIBABA_METADATA_V4) return "ssrf.metadata";
    if (kind == HOST_IPV4_ENCODED) return "ssrf.ip-encoding";
    return isInternalIpv4(url.ipv4) ? "ssrf.internal-address" : "";
  }
  if (kind == HOST_IPV6) return internalIpv6(s, e);
  const n = <i32>(e - s);
  const k = INTERNAL_NAMES.find(s, n);
  if (k >= 0) return n <= 9 ? "ssrf.internal-address" : "ssrf.metadata";
  // *.localhost
  if (n > 10 && endsWith(s, e, ".localhost")) return "ssrf.internal-address";
  return "";
}

/** ::1, ::, fe80::/10, fc00::/7, the EC2 metadata address, and IPv4-mapped internal addresses. */
function internalIpv6(s: usize, e: usize): string {
  const n = <i32>(e - s);
  if (equals(s, e, "::1") || equals(s, e, "::") || equals(s, e, "0:0:0:0:0:0:0:1")) return "ssrf.internal-address";
  if (equals(s, e, "fd00:ec2::254")) return "ssrf.metadata";
  if (n >= 4 && load<u8>(s) == 0x66 && (load<u8>(s + 1) == 0x63 || load<u8>(s + 1) == 0x64)) return "ssrf.internal-address";
  if (n >= 4 && load<u8>(s) == 0x66 && load<u8>(s + 1) == 0x65 && load<u8>(s + 2) == 0x38) return "ssrf.internal-address";
  // ::ffff:127.0.0.1, ::ffff:7f00:1, 0:0:0:0:0:ffff:127.0.0.1 — an IPv4-mapped or -compatible form
  // (leading "::", or an embedded dotted IPv4) hides an IPv4 target.
  if (n > 7 && load<u8>(s) == 0x3a && load<u8>(s + 1) == 0x3a) return "ssrf.ip-encoding";
  for (let q = s; q < e; q++) if (load<u8>(q) == 0x2e) return "ssrf.ip-encoding";
  return "";
}

/** 169.254.169.254 on its own (a host parameter, a path segment), between non-word bytes. */
function bareMetadata(p: usize, end: usize, hit: Hit): bool {
  for (let q = p; q + 15 <= end; q++) {
    if (load<u8>(q) != 0x31 || (q > p && (isWordByte(load<u8>(q - 1)) || load<u8>(q - 1) == 0x2e))) continue;
    if (!equals(q, q + 15, "169.254.169.254")) continue;
    if (q + 15 < end && isDigit(load<u8>(q + 15))) continue;
    return hit.set(B_SSRF, "ssrf.metadata", <i32>(q - p));
  }
  return false;
}

function equals(s: usize, e: usize, w: string): bool {
  const n = w.length;
  if (<i32>(e - s) != n) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(s + i) != <u32>w.charCodeAt(i)) return false;
  return true;
}

function endsWith(s: usize, e: usize, w: string): bool {
  const n = w.length;
  return <i32>(e - s) >= n && equals(e - <usize>n, e, w);
}
