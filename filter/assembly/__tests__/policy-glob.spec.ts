// The policy glob matcher against a plain reference matcher on random small inputs, and the shapes the
// one-backtrack-point matcher got wrong.
import { globMatch } from "../policy/strings";

/** The definition, by recursion (exponential, fine on short inputs): `**` any run, `*` any run without '/', `?` one non-'/' character. */
function reference(p: string, pi: i32, s: string, si: i32): bool {
  if (pi == p.length) return si == s.length;
  const c = p.charCodeAt(pi);
  if (c == 0x2a) {
    const double = pi + 1 < p.length && p.charCodeAt(pi + 1) == 0x2a;
    const next = pi + (double ? 2 : 1);
    for (let k = si; k <= s.length; k++) {
      if (reference(p, next, s, k)) return true;
      if (k < s.length && !double && s.charCodeAt(k) == 0x2f) return false;
    }
    return false;
  }
  if (si == s.length) return false;
  if (c == 0x3f ? s.charCodeAt(si) == 0x2f : c != s.charCodeAt(si)) return false;
  return reference(p, pi + 1, s, si + 1);
}

let state: u32 = 0x2545f491;
function nextRandom(n: i32): i32 {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return <i32>(state % <u32>n);
}

function randomText(alphabet: string, max: i32): string {
  const n = nextRandom(max + 1);
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet.charAt(nextRandom(alphabet.length));
  return out;
}

describe("globMatch", () => {
  it("matches a star after a dot in an earlier segment (/**/*.php)", () => {
    expect(globMatch("/**/*.php", "/a/x.y/c.php")).toBe(true);
    expect(globMatch("/**/*.php", "/a/b/c.php")).toBe(true);
    expect(globMatch("/**/*.php", "/a/x.y/c.phpx")).toBe(false);
  });

  it("lets ** skip a segment that matched the rest of the pattern too early (/**/admin*/delete)", () => {
    expect(globMatch("/**/admin*/delete", "/x/admin1/y/admin2/delete")).toBe(true);
    expect(globMatch("/**/admin*/delete", "/x/admin1/y/admin2/delete/z")).toBe(false);
  });

  it("agrees with the reference matcher on random patterns and inputs", () => {
    for (let i = 0; i < 20000; i++) {
      const p = randomText("ab/.*?", 8);
      const s = randomText("ab/.", 10);
      const want = reference(p, 0, s, 0);
      if (globMatch(p, s) != want) {
        // Name the failing case in the report.
        expect(p + " ~ " + s + " = " + globMatch(p, s).toString()).toBe(p + " ~ " + s + " = " + want.toString());
      }
    }
  });

  it("stays O(n·m) on stars that used to backtrack", () => {
    const s = "a".repeat(4096) + "/" + "a".repeat(4096);
    expect(globMatch("**a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s)).toBe(false);
    expect(globMatch("*/**a**a**a**a**a**a**a**a**a**a**a**a**a**a**b", s)).toBe(false);
  });
});
