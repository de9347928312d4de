// XML external entities: a DOCTYPE with an internal subset or an external identifier, an ENTITY or
// ATTLIST declaration (the latter gives elements default attributes: src, on<event>...), or an
// XInclude — none belongs in a parameter value or an API body.

import { Hit, B_XXE } from "./types";
import { startsWith, isSpaceByte } from "./bytes";

/** Looks for XXE constructs in normalised bytes; fills `hit` and returns true on a hit. */
export function detectXxe(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q + 1 < end; q++) {
    if (load<u8>(q) != 0x3c) continue;
    const d = load<u8>(q + 1);
    if (d == 0x21) {
      // <!
      if (startsWith(q, end, "<!entity")) return hit.set(B_XXE, "xxe.entity", <i32>(q - p));
      if (startsWith(q, end, "<!attlist") && q + 9 < end && isSpaceByte(load<u8>(q + 9)))
        return hit.set(B_XXE, "xxe.attlist", <i32>(q - p));
      if (startsWith(q, end, "<!doctype")) {
        // <!DOCTYPE name [ ... or SYSTEM/PUBLIC "..."
        let r = q + 9;
        while (r < end && isSpaceByte(load<u8>(r))) r++;
        while (r < end && !isSpaceByte(load<u8>(r)) && load<u8>(r) != 0x5b && load<u8>(r) != 0x3e) r++;
        while (r < end && isSpaceByte(load<u8>(r))) r++;
        if (r < end && (load<u8>(r) == 0x5b || startsWith(r, end, "system") || startsWith(r, end, "public"))) {
          return hit.set(B_XXE, "xxe.doctype", <i32>(q - p));
        }
      }
    } else if (d == 0x78 && startsWith(q, end, "<xi:include")) {
      return hit.set(B_XXE, "xxe.xinclude", <i32>(q - p));
    }
  }
  return false;
}
