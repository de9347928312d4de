// NoSQL injection (MongoDB-style): query operators where a plain value was expected ($ne, $gt,
// $where, $regex... as a JSON key, a bracketed parameter name user[$ne], or inline), and server-side
// JavaScript fragments aimed at $where (this.password.match(...), db.collection.insert(...)).

import { Hit, B_NOSQLI } from "./types";
import { Lexicon } from "./lexicon";
import { isAlpha, isWordByte, isSpaceByte, startsWith } from "./bytes";

const OPERATORS = new Lexicon().add(
  "ne eq gt gte lt lte in nin regex where exists or and not nor expr elemmatch size type mod all " +
    "text function accumulator jsonschema options",
  1,
);

/** Looks for NoSQL injection in normalised bytes; fills `hit` and returns true on a hit. */
export function detectNosqli(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q < end; q++) {
    const c = <u32>load<u8>(q);
    if (c == 0x24) {
      // $operator
      const before: u32 = q > p ? <u32>load<u8>(q - 1) : 0x20;
      if (!(before == 0x5b || before == 0x7b || before == 0x22 || before == 0x27 || before == 0x2c || isSpaceByte(before) || q == p))
        continue;
      let r = q + 1;
      while (r < end && r - q < 16 && isAlpha(load<u8>(r))) r++;
      if (r == q + 1 || OPERATORS.find(q + 1, <i32>(r - q - 1)) < 0) continue;
      // The operator must end where a key ends: ] " ' : or the value's end.
      let t = r;
      while (t < end && isSpaceByte(load<u8>(t))) t++;
      if (r >= end) {
        if (q == p) return hit.set(B_NOSQLI, "nosqli.operator", <i32>(q - p)); // the whole value is "$ne"
        continue;
      }
      const a = load<u8>(t);
      if (a == 0x5d || a == 0x22 || a == 0x27 || a == 0x3a) return hit.set(B_NOSQLI, "nosqli.operator", <i32>(q - p));
    } else if (c == 0x74 && startsWith(q, end, "this.") && (q == p || !isWordByte(load<u8>(q - 1)))) {
      // this.<field>.match( / this.<field> == ...
      let r = q + 5;
      while (r < end && r - q < 40 && isWordByte(load<u8>(r))) r++;
      if (
        startsWith(r, end, ".match(") ||
        startsWith(r, end, ".length") ||
        startsWith(r, end, "==") ||
        startsWith(r, end, " ==") ||
        startsWith(r, end, ".indexof(") ||
        startsWith(r, end, ".startswith(")
      ) {
        return hit.set(B_NOSQLI, "nosqli.where-js", <i32>(q - p));
      }
    } else if (c == 0x64 && startsWith(q, end, "db.") && (q == p || !isWordByte(load<u8>(q - 1)))) {
      let r = q + 3;
      while (r < end && r - q < 40 && isWordByte(load<u8>(r))) r++;
      if (r < end && load<u8>(r) == 0x2e) {
        r++;
        if (
          startsWith(r, end, "insert") ||
          startsWith(r, end, "find") ||
          startsWith(r, end, "drop") ||
          startsWith(r, end, "remove") ||
          startsWith(r, end, "update") ||
          startsWith(r, end, "delete")
        ) {
          return hit.set(B_NOSQLI, "nosqli.where-js", <i32>(q - p));
        }
      }
    }
  }
  return false;
}
