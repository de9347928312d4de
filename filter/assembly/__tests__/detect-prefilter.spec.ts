// The prefilter (detect/scan.ts: a value's byte classes decide which detectors run, and a value with
// nothing to decode or fold is read in place) must never skip a value a detector would flag. Checked
// against an oracle that normalises every value the long way and runs every detector on it, in
// scanValue's order and without any gate, over generated values and over attack and benign samples.
//
// The oracle found gates older than this test that are not necessary conditions; they are listed in
// knownGap, each with the exact condition under which it skips, until they are made exact (each change
// there moves detection scores and needs its own measurement).
import { Hit } from "../detect/types";
import { scanValue, hit, hasEscapedNul, G_CMDI, G_TRAVERSAL } from "../detect/scan";
import { classesOf, PLAIN, C_CTRL, C_PCT } from "../detect/bytes";
import { normalize, overlongAsPath, Normalized, NORM_PLUS_SPACE, NORM_URL_PATH, NORM_INCLUDE_NAME } from "../detect/normalize";
import { DetectOptions } from "../detect/types";
import { detectJndi } from "../detect/jndi";
import { detectXxe } from "../detect/xxe";
import { detectPhp } from "../detect/php";
import { detectJava } from "../detect/java";
import { detectProto } from "../detect/proto";
import { detectSmuggledRequest } from "../detect/protocol";
import { detectSqli } from "../detect/sqli";
import { detectXss } from "../detect/xss";
import { detectCmdi } from "../detect/cmdi";
import { detectTraversal } from "../detect/traversal";
import { detectSsrf } from "../detect/ssrf";
import { detectRfi } from "../detect/rfi";
import { detectSsti } from "../detect/ssti";
import { detectNosqli } from "../detect/nosqli";
import { detectLdapi } from "../detect/ldapi";
import { detectCrlf } from "../detect/crlf";
import { detectSession } from "../detect/session";

const mask = new DetectOptions().mask;
const h = new Hit();
const full = new Normalized();

/** Every detector on the value normalised the long way (every class assumed present); the rule that fired or "". */
function oracle(ptr: usize, len: i32, flags: i32): string {
  normalize(ptr, len, flags, full, 0xffffffff);
  const p = full.ptr;
  const n = full.len;
  let quote = false;
  for (let i = 0; i < n; i++) if (load<u8>(p + i) == 0x27 || load<u8>(p + i) == 0x22) quote = true;
  const urlPath = (flags & NORM_URL_PATH) != 0;
  const raw = classesOf(ptr, len);
  const nul = (raw & C_CTRL) != 0 || ((raw & C_PCT) != 0 && hasEscapedNul(ptr, len));
  if (
    detectJndi(p, n, h) ||
    detectXxe(p, n, h) ||
    detectPhp(p, n, h) ||
    detectJava(p, n, h) ||
    detectProto(p, n, h) ||
    detectSmuggledRequest(p, n, h) ||
    detectSqli(p, n, quote, h) ||
    detectXss(p, n, h) ||
    detectCmdi(p, n, h) ||
    detectTraversal(p, n, urlPath, h)
  )
    return h.rule;
  if (full.overlong) {
    overlongAsPath(full);
    const fired = detectTraversal(full.ptr, full.len, urlPath, h);
    full.ptr = p;
    full.len = n;
    if (fired) return h.rule;
  }
  if (
    detectSsrf(p, n, h) ||
    detectRfi(p, n, nul, (flags & NORM_INCLUDE_NAME) != 0, h) ||
    detectSsti(p, n, h) ||
    detectNosqli(p, n, h) ||
    detectLdapi(p, n, h) ||
    detectCrlf(p, n, h) ||
    detectSession(p, n, h)
  )
    return h.rule;
  return "";
}

/**
 * Skips of the older gates: a serialized-object magic after the value's start in a short or spaced
 * value; a command word run into a path or '>' without a space or shell separator ("byfileetc/passwd");
 * SQL in plain word material the plain-value path does not look at ("1union", "xp_cmdshell",
 * "and@@version"); a sensitive file name without a separator ("etcpasswd").
 */
function knownGap(raw: u32, folded: u32, want: string): bool {
  if (want == "java.serialized-object") return true;
  if (want == "cmdi.command" && (folded & G_CMDI) == 0) return true;
  if (want.startsWith("sqli.") && (raw & ~PLAIN) == 0) return true;
  return want == "traversal.sensitive-file" && (folded & G_TRAVERSAL) == 0;
}

let checked = 0;

/** The oracle's rule must come out of scanValue too (plain values: scanValue may only fire more). */
function agrees(s: string, flags: i32): bool {
  const b = String.UTF8.encode(s);
  const p = changetype<usize>(b);
  const len = b.byteLength;
  if (len == 0) return true;
  checked++;
  const want = oracle(p, len, flags);
  const folded = classesOf(full.ptr, full.len);
  const raw = classesOf(p, len);
  const got = scanValue(p, len, flags, mask) ? hit.rule : "";
  if (want.length == 0 || knownGap(raw, folded, want)) return true;
  if (got == want || ((raw & ~PLAIN) == 0 && got.length > 0)) return true;
  trace("prefilter skipped a detector: " + s + " (oracle " + want + ", scanValue " + (got.length > 0 ? got : "nothing") + ")");
  return false;
}

// Fragments the detectors' own logic reacts to (words, separators, escapes), joined at random.
const PARTS: Array<string> = [
  "a",
  "X",
  "1",
  "42",
  " ",
  "  ",
  "+",
  "-",
  "--",
  ".",
  "..",
  "/",
  "\\",
  "@",
  "@@version",
  "_",
  "__proto__",
  "'",
  '"',
  "`",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  "<",
  ">",
  ";",
  "|",
  "||",
  "&",
  "&&",
  "$",
  "${",
  "#",
  "%",
  "=",
  "==",
  ":",
  "://",
  ",",
  "*",
  "?",
  "!",
  "~",
  "\n",
  "\r\n",
  "\t",
  "%27",
  "%2e%2e%2f",
  "%3c",
  "%00",
  "%c0%af",
  "&lt;",
  "&#x3c;",
  "\\u003c",
  "\\x27",
  "\u00a0",
  "\uff1c",
  "\u2018",
  "and",
  "or",
  "not",
  "xor",
  "union",
  "select",
  "from",
  "where",
  "is",
  "null",
  "like",
  "sleep",
  "benchmark",
  "current_user",
  "waitfor",
  "delay",
  "order",
  "by",
  "1union",
  "case",
  "when",
  "then",
  "end",
  "declare",
  "exec",
  "xp_cmdshell",
  "ls",
  "cat",
  "id",
  "whoami",
  "ping",
  "sleep 10",
  "wget",
  "bash",
  "system",
  "etc",
  "passwd",
  "etc/passwd",
  "win.ini",
  "boot.ini",
  "http",
  "https",
  "file",
  "php",
  "data",
  "jndi:ldap",
  "script",
  "alert",
  "onerror",
  "javascript",
  "img",
  "src",
  "document.cookie",
  "this.password",
  "db.users",
  "$ne",
  "$where",
  "rO0AB",
  "aced0005",
  "class",
  "constructor",
  "prototype",
  "phpsessid",
  "jsessionid",
  "set-cookie",
  "localhost",
  "127.0.0.1",
  "169.254.169.254",
  "0x7f000001",
  "0x2f",
  "ENTITY",
  "DOCTYPE",
  "SYSTEM",
  "uid",
  "cn",
  "objectClass",
  "Main",
  "Street",
  "please deliver between nine and five",
  "customer0@example.com",
  "SKU-13",
  "ord-100000",
];

let seed: u32 = 0x9e3779b9;
function next(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

// Attack and benign samples from the other detect specs: each must come out the same way.
const SAMPLES: Array<string> = [
  "1 union select password from users",
  "x' or '1'='1",
  "admin'--",
  "1; drop table users",
  "or 1",
  "x or @@version",
  "<script>alert(1)</script>",
  "javascript:alert(1)",
  "<img src=x onerror=alert(1)>",
  "../../etc/passwd",
  "..%c0%afetc/passwd",
  "; cat /etc/passwd",
  "| whoami",
  "sleep 10",
  "ping 127.0.0.1",
  "$(id)",
  "`id`",
  "${jndi:ldap://x/a}",
  "{{7*7}}",
  '{"$ne": 1}',
  "this.password.match(/.*/)",
  "*)(uid=*))(|(uid=*",
  "x\r\nSet-Cookie: a=b",
  "http://169.254.169.254/latest",
  "php://filter/resource=index",
  "__proto__",
  "constructor.prototype.x",
  "PHPSESSID",
  "rO0ABXNy",
  "<!DOCTYPE x [<!ENTITY",
  "Main Street 12",
  "customer0@example.com",
  "please deliver between nine and five and ring twice",
  "Customer 0",
  "10 Main Street",
  "Springfield",
  "a sign like '%' here",
  "flights & more | brand",
  "c:windows\\win.ini",
];

describe("prefilter: never skips a value a detector would flag", () => {
  it("agrees with every detector run ungated on the samples, as query value, path and include name", () => {
    let ok = true;
    for (let i = 0; i < SAMPLES.length; i++) {
      ok = agrees(SAMPLES[i], 0) && ok;
      ok = agrees(SAMPLES[i], NORM_PLUS_SPACE) && ok;
      ok = agrees(SAMPLES[i], NORM_URL_PATH) && ok;
      ok = agrees(SAMPLES[i], NORM_INCLUDE_NAME) && ok;
    }
    expect(ok).toBe(true);
  });
  it("agrees on 20,000 generated values", () => {
    let ok = true;
    for (let i = 0; i < 20000; i++) {
      let s = "";
      const parts = 1 + <i32>(next() % 7);
      for (let k = 0; k < parts; k++) s += PARTS[<i32>(next() % <u32>PARTS.length)];
      ok = agrees(s, i % 3 == 0 ? NORM_PLUS_SPACE : 0) && ok;
    }
    expect(ok).toBe(true);
    expect(checked).toBeGreaterThan(20000);
  });
});
