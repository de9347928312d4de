// LDAP injection: a value that closes the application's search filter and opens filters of its own, or
// writes filter grammar no ordinary value holds:
//  - a composite filter, "(&(", "(|(" or "(!(", around an attribute assertion (attr=, attr>=, attr~=);
//  - a breakout: ")(" then an assertion, possibly inside new composites (")(uid=*", ")((|uid=*"), or
//    ")(&" / ")(|" ending the value, where the application's own ')' closes it;
//  - an extensible match with a rule OID or dn (userPassword:2.5.13.18:=x, cn:dn:=x).
// Each check reads a bounded window after its trigger, so the pass is linear.

import { Hit, B_LDAPI } from "./types";
import { isAlpha, isDigit, isWordByte } from "./bytes";

/** Looks for LDAP filter injection in normalised bytes; fills `hit` and returns true on a hit. */
export function detectLdapi(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q + 1 < end; q++) {
    const c = load<u8>(q);
    if (c == 0x28) {
      // (&( (|( (!(
      if (q + 2 < end && isFilterOp(load<u8>(q + 1)) && load<u8>(q + 2) == 0x28 && assertionAt(q + 3, end)) {
        return hit.set(B_LDAPI, "ldapi.composite-filter", <i32>(q - p));
      }
    } else if (c == 0x29 && load<u8>(q + 1) == 0x28) {
      // )(
      let r = q + 2;
      let op = false;
      while (r < end && r - q < 10 && (load<u8>(r) == 0x28 || isFilterOp(load<u8>(r)))) {
        if (load<u8>(r) != 0x28) op = true;
        r++;
      }
      if ((r >= end && op) || assertionAt(r, end)) return hit.set(B_LDAPI, "ldapi.filter-breakout", <i32>(q - p));
    } else if (c == 0x3a && load<u8>(q + 1) == 0x3d) {
      // :=
      if (extensibleMatch(p, q)) return hit.set(B_LDAPI, "ldapi.extensible-match", <i32>(q - p));
    }
  }
  return false;
}

function isFilterOp(c: u32): bool {
  return c == 0x26 || c == 0x7c || c == 0x21; // & | !
}

/** An attribute name (a letter, then letters, digits, '-', '.', ';') and a filter operator: = ~= >= <= :...:= */
function assertionAt(r: usize, end: usize): bool {
  if (r >= end || !isAlpha(load<u8>(r))) return false;
  const s = r;
  while (r < end && r - s < 64 && (isWordByte(load<u8>(r)) || load<u8>(r) == 0x2d || load<u8>(r) == 0x2e || load<u8>(r) == 0x3b)) r++;
  if (r >= end) return false;
  const c = load<u8>(r);
  if (c == 0x3d) return true;
  if ((c == 0x7e || c == 0x3e || c == 0x3c) && r + 1 < end && load<u8>(r + 1) == 0x3d) return true;
  return c == 0x3a && r + 1 < end && extensibleAfter(r + 1, end);
}

/** After "attr:": [dn:]<oid or dn>:= */
function extensibleAfter(r: usize, end: usize): bool {
  const s = r;
  while (r < end && r - s < 64 && (isWordByte(load<u8>(r)) || load<u8>(r) == 0x2e || load<u8>(r) == 0x3a)) {
    if (load<u8>(r) == 0x3a && r + 1 < end && load<u8>(r + 1) == 0x3d) return r > s;
    r++;
  }
  return false;
}

/** The ":=" at `q` ends "attr:<oid>:=" or "attr:dn:=". */
function extensibleMatch(begin: usize, q: usize): bool {
  let b = q;
  let dots = 0;
  while (b > begin && q - b < 64 && (isDigit(load<u8>(b - 1)) || load<u8>(b - 1) == 0x2e)) {
    if (load<u8>(b - 1) == 0x2e) dots++;
    b--;
  }
  const oid = dots > 0 && b < q && isDigit(load<u8>(b));
  const dn = !oid && q - begin >= 3 && load<u8>(q - 1) == 0x6e && load<u8>(q - 2) == 0x64 && load<u8>(q - 3) == 0x3a;
  if (dn) b = q - 2;
  if (!oid && !dn) return false;
  // ':' then the attribute name before it.
  if (b <= begin || load<u8>(b - 1) != 0x3a) return false;
  return b - 1 > begin && isAlpha(load<u8>(b - 2));
}
