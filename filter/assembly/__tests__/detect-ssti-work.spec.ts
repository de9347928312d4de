// Template injection's window scans (detect/ssti.ts) remember what they proved across overlapping
// windows. These specs hold the detector to the verdicts of the plain re-scanning version kept below
// (rule and offset, on attacks, hostile repetitions and generated mixes of the delimiters, markers and
// closers it looks at) and bound the bytes its scans examine on the shapes that used to cost 64 reads
// a byte.
import { Hit, B_SSTI } from "../detect/types";
import { isDigit, isSpaceByte, isWordByte, startsWith } from "../detect/bytes";
import { detectSsti, sstiSteps, resetSstiSteps, MARKERS, STATEMENTS } from "../detect/ssti";

// The detector before the memos, verbatim but for names: every window scanned in full.
const WINDOW = 128;
function refSsti(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q + 1 < end; q++) {
    const c = <u32>load<u8>(q);
    const d = <u32>load<u8>(q + 1);
    let open = 0;
    if (c == 0x7b && (d == 0x7b || d == 0x25)) open = 2;
    else if ((c == 0x24 || c == 0x23 || c == 0x2a || c == 0x40) && d == 0x7b) open = 2;
    else if (c == 0x3c && d == 0x25) open = 2;
    else if (c == 0x3c && d == 0x23 && startsWith(q, end, "<#assign")) return hit.set(B_SSTI, "ssti.freemarker", <i32>(q - p));
    else if (c == 0x23 && (startsWith(q, end, "#set(") || startsWith(q, end, "#foreach(") || startsWith(q, end, "#evaluate(")))
      return hit.set(B_SSTI, "ssti.velocity", <i32>(q - p));
    if (open == 0) continue;
    const s = q + 2;
    const limit = s + WINDOW < end ? s + WINDOW : end;
    if (c == 0x7b && d == 0x25 && refStatementIn(s, limit)) return hit.set(B_SSTI, "ssti.statement", <i32>(q - p));
    if (refExpressionIn(s, limit, c)) return hit.set(B_SSTI, "ssti.expression", <i32>(q - p));
    q = s - 1;
  }
  return false;
}

function refStatementIn(s: usize, e: usize): bool {
  let r = s;
  while (r < e && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x2d)) r++;
  const w = r;
  while (r < e && r - w <= 8 && isWordByte(load<u8>(r))) r++;
  if (r == w || r >= e || !isSpaceByte(load<u8>(r)) || STATEMENTS.find(w, <i32>(r - w)) < 0) return false;
  for (; r + 1 < e; r++) if (load<u8>(r) == 0x25 && load<u8>(r + 1) == 0x7d) return true;
  return false;
}

function refExpressionIn(s: usize, e: usize, opener: u32): bool {
  let r = s;
  while (r < e && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x3d)) r++;
  if (r < e && isDigit(load<u8>(r))) {
    let t = r;
    while (t < e && isDigit(load<u8>(t))) t++;
    while (t < e && isSpaceByte(load<u8>(t))) t++;
    if (t < e && (load<u8>(t) == 0x2a || load<u8>(t) == 0x2b || load<u8>(t) == 0x2f || load<u8>(t) == 0x2d || load<u8>(t) == 0x25)) {
      t++;
      while (t < e && (isSpaceByte(load<u8>(t)) || load<u8>(t) == 0x27 || load<u8>(t) == 0x22)) t++;
      if (t < e && isDigit(load<u8>(t))) {
        while (t < e && isDigit(load<u8>(t))) t++;
        while (t < e && (isSpaceByte(load<u8>(t)) || load<u8>(t) == 0x27 || load<u8>(t) == 0x22)) t++;
        if (t >= e || load<u8>(t) == 0x7d || load<u8>(t) == 0x25) return true;
      }
    }
  }
  for (let q = r; q < e; q++) {
    const c = load<u8>(q);
    if (c == 0x7d && opener != 0x7b && opener != 0x3c) break;
    if (MARKERS.hasFirst(c) && MARKERS.prefixAt(q, e) >= 0) {
      if (q == r || !isWordByte(load<u8>(q - 1)) || c == 0x5f || c == 0x2e || c == 0x7c || c == 0x28) return true;
    }
  }
  return false;
}

const a = new Hit();
const b = new Hit();

/** "rule@offset" from both versions, or "none". */
function verdicts(s: string): string {
  const bytes = String.UTF8.encode(s);
  const p = changetype<usize>(bytes);
  const n = bytes.byteLength;
  const mine = detectSsti(p, n, a) ? a.rule + "@" + a.offset.toString() : "none";
  const ref = refSsti(p, n, b) ? b.rule + "@" + b.offset.toString() : "none";
  return mine == ref ? mine : "differ: " + mine + " vs " + ref + " on " + s;
}

function same(s: string): void {
  const v = verdicts(s);
  expect(v.startsWith("differ")).toBe(false, v);
}

const ATTACKS: Array<string> = [
  "{{7*7}}",
  "{{7*'7'}}",
  "${3*3}",
  "#{7*7}",
  "<%= 7*7 %>",
  "{{ ''.__class__.__mro__[1].__subclasses__() }}",
  "{{config.items()}}",
  "{{request|attr('application')|attr('__globals__')}}",
  "{{ lipsum.__globals__.os.popen('id').read() }}",
  "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
  "${T(java.lang.Runtime).getRuntime().exec('id')}",
  '${"freemarker.template.utility.Execute"?new()("id")}',
  "#{request.getClass().getClassLoader()}",
  "${pageContext.getClass().getClassLoader()}",
  '<#assign ex="freemarker.template.utility.Execute"?new()>',
  "#set($x = 1)",
  "#foreach($i in [1..3])",
  "{% for c in [1,2,3]%} {{c, c, c}} {% endfor%}",
  "{%- set x = 1 -%}",
  "{% import 'os' as o %}",
  "{{_self.env.registerUndefinedFilterCallback('exec')}}",
  "{{range(10)}}",
  "${new java.io.File('x')}",
  "*{T(java.lang.Runtime)}",
  "@{self.__class__}",
];

const BENIGN: Array<string> = [
  "price: ${amount} EUR",
  "<div>{{ title }}</div>",
  "{% if user %}",
  "{%d items%}",
  "discount {50% for members}",
  "console.log(`Hello ${user.name}`);",
  '{"a":{"b":{"c":[1,2,{"d":"e"}]}}}',
  "{{ 1 }} {{ 2 }} renew java. config",
  "${x} } __class__",
  "${x __class__",
];

// Pieces the detector reacts to, mixed at random into values longer than a window.
const PIECES: Array<string> = [
  "{{",
  "{%",
  "${",
  "#{",
  "*{",
  "@{",
  "<%",
  "<#",
  "}",
  "%}",
  "}}",
  " ",
  "  ",
  "=",
  "-",
  "7",
  "*",
  "7*7",
  "'",
  '"',
  "a",
  "xy",
  "_",
  ".",
  "(",
  "|",
  "__class__",
  "config.items",
  "|attr",
  "range(",
  "new java.",
  "getclass(",
  "for ",
  "set ",
  "import ",
  "if ",
  "self._",
  "request.args",
  "#set(",
  "<#assign",
  "__clas",
  "new",
  "java",
];

let seed: u32 = 12345;
function rand(n: i32): i32 {
  seed = seed * 1103515245 + 12345;
  return <i32>((seed >> 8) % <u32>n);
}

function repeat(s: string, bytes: i32): string {
  let out = "";
  while (out.length < bytes) out += s;
  return out;
}

describe("ssti: the memoised windows give the re-scanning version's verdicts", () => {
  it("on attacks and on values that only look like them", () => {
    for (let i = 0; i < ATTACKS.length; i++) {
      // The detector reads normalised (lower-cased) bytes.
      const attack = ATTACKS[i].toLowerCase();
      same(attack);
      expect(verdicts(attack)).not.toBe("none", attack);
      same(repeat("{{", 300) + attack);
      same(repeat("${", 61) + attack + repeat("#{", 100));
    }
    for (let i = 0; i < BENIGN.length; i++) {
      same(BENIGN[i]);
      same(repeat(BENIGN[i], 400));
    }
  });
  it("on hostile repetitions, with a marker near a window's end", () => {
    const shapes = ["{", "{{", "${", "#{", "<%", "{%", "{% for ", "${}", "{{1", "}", "%}", "{{ __clas"];
    for (let i = 0; i < shapes.length; i++) {
      same(repeat(shapes[i], 2000));
      for (let pad = 100; pad < 140; pad++) same(shapes[i] + repeat(" ", pad) + "__class__" + repeat(shapes[i], 200));
    }
  });
  it("on generated mixes of delimiters, markers and closers", () => {
    for (let i = 0; i < 4000; i++) {
      let s = "";
      const parts = 1 + rand(120);
      for (let k = 0; k < parts; k++) s += PIECES[rand(PIECES.length)];
      same(s);
    }
  });
});

describe("ssti: work per byte on hostile shapes", () => {
  it("examines each byte a few times, not once per covering window", () => {
    const shapes = ["{{", "${", "#{", "<%", "{%", "{% for ", "${ a", "{{ x.", "@{__"];
    for (let i = 0; i < shapes.length; i++) {
      const s = repeat(shapes[i], 65536);
      const bytes = String.UTF8.encode(s);
      resetSstiSteps();
      detectSsti(changetype<usize>(bytes), bytes.byteLength, a);
      // Three kinds of position (marker, `}`, `%}`), each found about once: the old scans read ~64 a byte.
      expect(sstiSteps).toBeLessThanOrEqual(3 * bytes.byteLength, shapes[i]);
    }
  });
});
