// JNDI / Log4Shell-style lookups: ${jndi:ldap://...} and its obfuscations, where the word "jndi" is
// itself assembled from nested lookups (${${lower:j}ndi:...}, ${${::-j}${::-n}di:...},
// ${${env:NaN:-j}ndi...}). One pass with a stack of open "${": each frame keeps a short prefix of the
// text it resolves to; when a frame closes, its value (the default after ":-", the argument of
// lower:/upper:, or nothing for other lookups) is appended to its parent. A frame whose resolved text
// starts with a lookup name we know is dangerous fires.

import { Hit, B_JNDI } from "./types";
import { isAlpha } from "./bytes";

const MAX_DEPTH = 16;
const KEEP = 24; // bytes of resolved text kept per frame
const frames = new StaticArray<u8>(MAX_DEPTH * KEEP);
const frameLen = new StaticArray<i32>(MAX_DEPTH);
const frameStart = new StaticArray<i32>(MAX_DEPTH);
const frameDefault = new StaticArray<i32>(MAX_DEPTH); // index in the frame's text where ":-" ended, or -1

/** Looks for JNDI-style lookups in normalised bytes; fills `hit` and returns true on a hit. */
export function detectJndi(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  let depth = 0;
  const base = changetype<usize>(frames);
  for (let q = p; q < end; q++) {
    const c = <u32>load<u8>(q);
    if (c == 0x24 && q + 1 < end && load<u8>(q + 1) == 0x7b) {
      // ${
      if (depth < MAX_DEPTH) {
        unchecked((frameLen[depth] = 0));
        unchecked((frameStart[depth] = <i32>(q - p)));
        unchecked((frameDefault[depth] = -1));
      }
      depth++;
      q++;
      continue;
    }
    if (depth == 0) continue;
    if (c == 0x7d) {
      // }
      depth--;
      if (depth >= MAX_DEPTH) continue;
      const f = base + <usize>(depth * KEEP);
      const n = unchecked(frameLen[depth]);
      if (dangerous(f, n)) return hit.set(B_JNDI, "jndi.lookup", unchecked(frameStart[depth]));
      // The value this lookup yields, appended to the parent frame.
      let vs = 0;
      const d = unchecked(frameDefault[depth]);
      if (d >= 0) vs = d;
      else if (startsWithAt(f, n, "lower:") || startsWithAt(f, n, "upper:")) vs = 6;
      else vs = n; // any other lookup: assume it yields nothing we can know
      if (depth > 0) {
        const parent = depth - 1;
        if (parent < MAX_DEPTH) {
          for (let i = vs; i < n; i++) Frame.append(parent, load<u8>(f + i));
        }
      }
      continue;
    }
    if (depth <= MAX_DEPTH) {
      const top = depth - 1;
      // ":-" starts the default value (the first one only).
      if (c == 0x2d && unchecked(frameDefault[top]) < 0 && q > p && load<u8>(q - 1) == 0x3a) {
        unchecked((frameDefault[top] = unchecked(frameLen[top])));
        continue;
      }
      Frame.append(top, <u8>c);
      const n = unchecked(frameLen[top]);
      if (n >= 5 && dangerous(base + <usize>(top * KEEP), n)) return hit.set(B_JNDI, "jndi.lookup", unchecked(frameStart[top]));
    }
  }
  return false;
}

// A static method only so that it can carry @inline, which TypeScript (and so the formatter and linter)
// accepts on class members, not on functions: Binaryen leaves it out of line by itself.
class Frame {
  /** Appends `c` to the text `frame` resolves to, up to KEEP bytes. */
  @inline static append(frame: i32, c: u8): void {
    const n = unchecked(frameLen[frame]);
    if (n < KEEP) {
      store<u8>(changetype<usize>(frames) + <usize>(frame * KEEP + n), c);
      unchecked((frameLen[frame] = n + 1));
    }
  }
}

/** The resolved text starts with a lookup that reaches out (jndi:) or leaks secrets (env:, sys:...). */
function dangerous(f: usize, n: i32): bool {
  // Drop the ':' that ended a "::-" default marker, and spaces.
  let s = 0;
  while (s < n && !isAlpha(load<u8>(f + s))) s++;
  const m = n - s;
  const w = f + <usize>s;
  if (startsWithAt(w, m, "jndi:")) return true;
  // ldap://, rmi:// directly inside ${...} (some obfuscations drop the jndi: after resolution)
  if (
    startsWithAt(w, m, "ldap:") ||
    startsWithAt(w, m, "ldaps:") ||
    startsWithAt(w, m, "rmi:") ||
    startsWithAt(w, m, "dns:") ||
    startsWithAt(w, m, "iiop:") ||
    startsWithAt(w, m, "corba:") ||
    startsWithAt(w, m, "nds:")
  )
    return true;
  // Lookups that leak the environment, the JVM or the container.
  const colon = indexOfColon(w, m);
  if (colon >= 2 && colon <= 7) {
    return (
      startsWithAt(w, m, "env:") ||
      startsWithAt(w, m, "sys:") ||
      startsWithAt(w, m, "java:") ||
      startsWithAt(w, m, "ctx:") ||
      startsWithAt(w, m, "main:") ||
      startsWithAt(w, m, "bundle:") ||
      startsWithAt(w, m, "k8s:") ||
      startsWithAt(w, m, "docker:") ||
      startsWithAt(w, m, "spring:") ||
      startsWithAt(w, m, "log4j:") ||
      startsWithAt(w, m, "web:")
    );
  }
  return false;
}

function indexOfColon(f: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) if (load<u8>(f + i) == 0x3a) return i;
  return -1;
}

function startsWithAt(f: usize, n: i32, s: string): bool {
  const k = s.length;
  if (n < k) return false;
  for (let i = 0; i < k; i++) if (<u32>load<u8>(f + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}
