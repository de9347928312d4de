// Session fixation: a value that plants a session cookie in the victim's browser — a Set-Cookie
// header line (through header injection or <meta http-equiv="set-cookie">), a script assignment to
// document.cookie — or a request that names a framework's session identifier as a parameter
// (PHPSESSID, JSESSIONID, ASP.NET_SessionId...), which applications accepting URL session ids adopt.

import { Hit, B_SESSION } from "./types";
import { Lexicon } from "./lexicon";
import { isSpaceByte, isWordByte, startsWith } from "./bytes";

/** Session cookie names of the common server frameworks (as parameter names). */
const SESSION_NAMES = new Lexicon().add(
  "jsessionid phpsessid asp.net_sessionid aspsessionid laravel_session ci_session connect.sid cfid cftoken",
  1,
);

/** Looks for session fixation in normalised bytes; fills `hit` and returns true on a hit. */
export function detectSession(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  if (isSessionName(p, len)) return hit.set(B_SESSION, "sessionfixation.session-parameter", 0);
  for (let q = p; q + 10 < end; q++) {
    const c = load<u8>(q);
    if (c == 0x73 && startsWith(q, end, "set-cookie") && (q == p || !isWordByte(load<u8>(q - 1)))) {
      let r = q + 10;
      while (r < end && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x22 || load<u8>(r) == 0x27)) r++;
      // "Set-Cookie: name=" or http-equiv="set-cookie" content="name=..."
      if (r < end && (load<u8>(r) == 0x3a || startsWith(r, end, "content")))
        return hit.set(B_SESSION, "sessionfixation.set-cookie", <i32>(q - p));
    } else if (c == 0x64 && startsWith(q, end, "document.cookie") && (q == p || !isWordByte(load<u8>(q - 1)))) {
      let r = q + 15;
      while (r < end && isSpaceByte(load<u8>(r))) r++;
      if (r + 1 < end && load<u8>(r) == 0x3d && load<u8>(r + 1) != 0x3d)
        return hit.set(B_SESSION, "sessionfixation.document-cookie", <i32>(q - p));
    }
  }
  return false;
}

/** Whether the bytes at `p` (any case) could be a session cookie name: by length and first letter only. */
export function maybeSessionName(p: usize, len: i32): bool {
  if (len != 7 && len != 9 && len != 10 && len != 11 && len != 15 && len != 17 && len != 20) return false;
  const c = load<u8>(p) | 0x20;
  if (!(c == 0x6a || c == 0x70 || c == 0x61 || c == 0x6c || c == 0x63)) return false; // j p a l c
  // ...and a listed name of that first letter and length (ASPSESSIONID + suffix: 20 bytes).
  return SESSION_NAMES.mayHold(c, len) || (len == 20 && c == 0x61);
}

/** The whole value (lower-case) is a session cookie name, or ASPSESSIONID followed by its suffix. */
export function isSessionName(p: usize, len: i32): bool {
  if (len < 4 || len > 24) return false;
  if (SESSION_NAMES.find(p, len) >= 0) return true;
  return len == 20 && startsWith(p, p + 12, "aspsessionid");
}
