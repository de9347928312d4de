// Prototype pollution (Node.js): a parameter name, JSON key or path that reaches an object's
// prototype — "__proto__" as a whole word, or "constructor" followed by "prototype" through a dot,
// brackets ("constructor[prototype]", '["constructor"]["prototype"]') or a path separator. Merging
// such a key into an object changes every object of the application.

import { Hit, B_PROTO } from "./types";
import { isWordByte, startsWith } from "./bytes";

/** Looks for prototype pollution in normalised bytes; fills `hit` and returns true on a hit. */
export function detectProto(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q + 9 <= end; q++) {
    const c = load<u8>(q);
    if (c == 0x5f) {
      if (startsWith(q, end, "__proto__") && (q == p || !isAlnum(load<u8>(q - 1))) && (q + 9 >= end || !isAlnum(load<u8>(q + 9)))) {
        return hit.set(B_PROTO, "protopollution.proto", <i32>(q - p));
      }
    } else if (c == 0x63) {
      if (startsWith(q, end, "constructor") && (q == p || !isWordByte(load<u8>(q - 1))) && prototypeAfter(q + 11, end)) {
        return hit.set(B_PROTO, "protopollution.constructor", <i32>(q - p));
      }
    }
  }
  return false;
}

/** "prototype" after at most three separator bytes (. [ ] / " ' and spaces). */
function prototypeAfter(s: usize, end: usize): bool {
  let q = s;
  while (q < end && q - s < 4) {
    const c = load<u8>(q);
    if (c != 0x2e && c != 0x5b && c != 0x5d && c != 0x2f && c != 0x22 && c != 0x27) break;
    q++;
  }
  return q > s && startsWith(q, end, "prototype") && (q + 9 >= end || !isWordByte(load<u8>(q + 9)));
}

function isAlnum(c: u32): bool {
  return isWordByte(c) && c != 0x5f;
}
