// Remote file inclusion: a value that makes include()/require()/fopen() read code from somewhere
// else. Judged by the URL's shape, not by names: a URL cut short so that whatever the application
// appends (".php", "/index.inc") is ignored — a trailing "?", "#", or a NUL byte right after it; a
// URL whose host is a bare public IPv4 address (internal ones are SSRF); a file-transfer scheme (ftp,
// smb, webdav); a file on a Windows share (\\host\share\file), which include() fetches over SMB; and any
// web URL as the whole value of a parameter named like a file to include (file=, page=, include=,
// template=...), the parameter PHP applications pass to include().

import { Hit, B_RFI } from "./types";
import { Lexicon } from "./lexicon";
import { isWordByte } from "./bytes";
import { url, nextUrl, authority, HOST_IPV4, HOST_NAME } from "./url";

const FILE_SCHEMES = new Lexicon().add("ftp ftps smb webdav dav", 1);
const WEB_SCHEMES = new Lexicon().add("http https", 1);

/** Parameter names under which applications take the file, page or template to include. */
const INCLUDE_NAMES = new Lexicon().add(
  "file filename filepath page include inc incl template tpl doc document folder dir module mod " +
    "load require conf config layout lang language skin theme",
  1,
);

const lowered = memory.data(16);

/** Whether the parameter name at `p` (raw bytes, any case) is one of INCLUDE_NAMES. */
export function isIncludeName(p: usize, n: i32): bool {
  if (n < 3 || n > 16) return false;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) c |= 0x20;
    store<u8>(lowered + i, <u8>c);
  }
  return INCLUDE_NAMES.find(lowered, n) >= 0;
}

/**
 * Looks for remote file inclusion in the normalised bytes at `p`; `nul` says the raw value held a NUL
 * (which normalisation drops), `includeName` that its parameter is named like a file to include. Fills
 * `hit` and returns true on a hit.
 */
export function detectRfi(p: usize, len: i32, nul: bool, includeName: bool, hit: Hit): bool {
  const end = p + <usize>len;
  if (unc(p, end)) return hit.set(B_RFI, "rfi.unc-path", 0);
  let from = p;
  while (nextUrl(from, end)) {
    const at = <i32>(url.schemeStart - p);
    const schemeLen = <i32>(url.schemeEnd - url.schemeStart);
    if (FILE_SCHEMES.find(url.schemeStart, schemeLen) >= 0 && url.hostEnd > url.hostStart) return hit.set(B_RFI, "rfi.file-transfer", at);
    if (WEB_SCHEMES.find(url.schemeStart, schemeLen) >= 0 && url.hostEnd > url.hostStart) {
      if (url.hostKind == HOST_IPV4) return hit.set(B_RFI, "rfi.ip-host", at);
      if (includeName && url.schemeStart == p) return hit.set(B_RFI, "rfi.include-parameter", at);
      // Only a value that *is* the URL can be cut short by it.
      if (url.schemeStart == p && url.hostKind == HOST_NAME && truncated(url.authorityEnd, end, nul))
        return hit.set(B_RFI, "rfi.truncated-url", at);
    }
    from = url.authorityEnd > url.schemeEnd ? url.authorityEnd : url.schemeEnd + 3;
  }
  return false;
}

/** The URL (with a path to a file) ends in "?" or "#", or a NUL followed it. */
function truncated(pathStart: usize, end: usize, nul: bool): bool {
  let q = pathStart;
  let slash = false;
  while (q < end && load<u8>(q) == 0x2f) {
    q++;
    slash = true;
  }
  if (!slash) return false;
  let fileChars = 0;
  while (q < end && load<u8>(q) != 0x3f && load<u8>(q) != 0x23) {
    if (isWordByte(load<u8>(q))) fileChars++;
    q++;
  }
  if (fileChars == 0) return false;
  if (nul) return true;
  if (q >= end) return false;
  // "?" or "#" and at most "?" / "=" / "#" after it: nothing an application would send.
  for (let r = q + 1; r < end; r++) {
    const c = load<u8>(r);
    if (c != 0x3f && c != 0x3d && c != 0x23 && c != 0x26) return false;
  }
  return true;
}

/** "\\host\share\file" at the start of the value: a file on a share (a bare share name is just a network path). */
function unc(p: usize, end: usize): bool {
  if (p + 7 > end || load<u8>(p) != 0x5c || load<u8>(p + 1) != 0x5c || !isWordByte(load<u8>(p + 2))) return false;
  authority(p + 2, end);
  let q = url.authorityEnd;
  if (q >= end || load<u8>(q) != 0x5c) return false;
  q++;
  const share = q;
  while (q < end && load<u8>(q) != 0x5c && load<u8>(q) != 0x2f) q++;
  return q > share && q + 1 < end && isWordByte(load<u8>(q + 1));
}
