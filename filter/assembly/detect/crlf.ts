// CRLF injection: a line break followed by what the next line of a protocol conversation would be, for
// an application that copies the value into a response header or a mail session:
//  - an HTTP header that changes the response (Set-Cookie, Content-Type, Location: <url>...) or a status
//    line (response splitting);
//  - an SMTP command (MAIL FROM:, RCPT TO:, HELO, QUIT) or an IMAP tagged command (A1 FETCH ...).
// Line breaks are CR and LF, and the CJK characters U+560A / U+560D that stacks truncating to Latin-1
// turn into LF / CR. Prose lines ("Location: Berlin", "I fetch it") do not have these shapes.

import { Hit, B_CRLF } from "./types";
import { Lexicon } from "./lexicon";
import { isAlpha, isDigit, isSpaceByte, startsWith } from "./bytes";

const H_HEADER = 1;
const H_LOCATION = 2; // a header line only when a URL follows

/** Response headers an attacker sets through a line break. */
const HEADERS = new Lexicon()
  .add(
    "set-cookie set-cookie2 content-type content-length content-disposition content-security-policy " +
      "transfer-encoding refresh x-xss-protection x-frame-options access-control-allow-origin " +
      "access-control-allow-credentials",
    H_HEADER,
  )
  .add("location", H_LOCATION);

/** IMAP commands (after a tag). */
const IMAP = new Lexicon().add(
  "capability login logout authenticate select examine fetch store copy search list lsub status append expunge uid",
  1,
);

/** Looks for CRLF injection in normalised bytes; fills `hit` and returns true on a hit. */
export function detectCrlf(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  let q = p;
  while (q < end) {
    const c = load<u8>(q);
    let r: usize = 0;
    if (c == 0x0a || c == 0x0d) r = q + 1;
    else if (c == 0xe5 && q + 2 < end && load<u8>(q + 1) == 0x98 && (load<u8>(q + 2) == 0x8a || load<u8>(q + 2) == 0x8d)) r = q + 3;
    if (r == 0) {
      q++;
      continue;
    }
    // The line that starts after the break (and any further breaks).
    while (r < end && (load<u8>(r) == 0x0a || load<u8>(r) == 0x0d)) r++;
    if (r < end) {
      const rule = nextLine(r, end);
      if (rule.length > 0) return hit.set(B_CRLF, rule, <i32>(q - p));
    }
    q = r;
  }
  return false;
}

/** The rule a line starting at `r` fires, or "". */
function nextLine(r: usize, end: usize): string {
  // "Name:" with a listed header name.
  let s = r;
  while (s < end && s - r < 40 && (isAlpha(load<u8>(s)) || load<u8>(s) == 0x2d || isDigit(load<u8>(s)))) s++;
  let t = s;
  while (t < end && (load<u8>(t) == 0x20 || load<u8>(t) == 0x09)) t++;
  if (s > r && t < end && load<u8>(t) == 0x3a) {
    const k = HEADERS.find(r, <i32>(s - r));
    if (k == H_HEADER) return "crlf.header";
    if (k == H_LOCATION) {
      let u = t + 1;
      while (u < end && isSpaceByte(load<u8>(u))) u++;
      if (startsWith(u, end, "http") || startsWith(u, end, "//") || startsWith(u, end, "javascript:")) return "crlf.header";
    }
  }
  if (startsWith(r, end, "http/1.") || startsWith(r, end, "http/2 ")) return "crlf.header";
  // SMTP
  if (startsWith(r, end, "rcpt to:") || startsWith(r, end, "mail from:")) return "crlf.mail-command";
  if (startsWith(r, end, "helo ") || startsWith(r, end, "ehlo ") || (startsWith(r, end, "quit") && lineEndsAt(r + 4, end))) {
    return "crlf.mail-command";
  }
  // IMAP: a tag with letters and digits, a space, a command, then the line's end or a number, list,
  // string or '*' ("V101 FETCH 4791"; prose goes on with words: "A1 select grade").
  let letters = false;
  let digits = false;
  s = r;
  while (s < end && s - r < 12 && (isAlpha(load<u8>(s)) || isDigit(load<u8>(s)))) {
    if (isDigit(load<u8>(s))) digits = true;
    else letters = true;
    s++;
  }
  if (letters && digits && s < end && load<u8>(s) == 0x20) {
    let e = s + 1;
    while (e < end && e - s < 16 && isAlpha(load<u8>(e))) e++;
    if (e > s + 1 && IMAP.find(s + 1, <i32>(e - s - 1)) >= 0 && (lineEndsAt(e, end) || imapArgument(e, end))) return "crlf.mail-command";
  }
  return "";
}

/** " 4791", " (flags)", " \"x\"", " *": an IMAP argument after the command at `e`. */
function imapArgument(e: usize, end: usize): bool {
  if (e + 1 >= end || load<u8>(e) != 0x20) return false;
  const c = load<u8>(e + 1);
  return isDigit(c) || c == 0x28 || c == 0x22 || c == 0x2a;
}

/** Only spaces before the end of the line (or of the value) at `r`. */
function lineEndsAt(r: usize, end: usize): bool {
  while (r < end && (load<u8>(r) == 0x20 || load<u8>(r) == 0x09)) r++;
  return r >= end || load<u8>(r) == 0x0d || load<u8>(r) == 0x0a;
}
