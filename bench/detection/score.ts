// Scores the detection engine on the attack/benign corpora (gzip JSON Lines, see
// ../shared/corpora/README.md) and on the project's own rows (bench/detection/families/*.jsonl: attacks
// of the families the public corpora lack; bench/detection/benign/*.jsonl: benign shapes of real
// traffic that look like attacks to a naive matcher; both written for this project): detection rate per source × family, false positives on benign rows,
// the rate on CSIC's "anomalous" rows (not all attacks: reported, not targeted), the same payloads
// re-wrapped into other places (form body, JSON field, header, cookie, path segment), and throughput.
//
//   npx tsx bench/detection/score.ts [--corpora DIR] [--source NAME[,NAME]] [--json out.json] [--no-own]
//                                    [--no-wraps] [--misses N] [--fps N] [--family NAME]

import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { DetectionEngine, type DetectRequest, type Finding } from "../../filter/node/engine.ts";

interface Row {
  source: string;
  id: string;
  method: string;
  path_query: string;
  headers: Record<string, string>;
  body: string | null;
  label: "attack" | "benign" | "anomalous";
  family: string;
  payload: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
// The shared corpora sit beside the checkout (../shared) or, from a worktree in wt/, one level further up.
const corporaDir = resolve(
  opt("--corpora") ?? [join(here, "../../../shared/corpora/dev"), join(here, "../../../../shared/corpora/dev")].find((d) => existsSync(d))!,
);
const ownSets = !args.includes("--no-own");
const sources = opt("--source")?.split(",");
const jsonOut = opt("--json");
const wraps = !args.includes("--no-wraps");
const showMisses = Number(opt("--misses") ?? 0);
const showFps = Number(opt("--fps") ?? 0);
const onlyFamily = opt("--family");

const engine = DetectionEngine.load();
const UA = "Mozilla/5.0 (X11; Linux x86_64) corpus-eval";

function splitPathQuery(pq: string): [string, string] {
  const i = pq.indexOf("?");
  return i < 0 ? [pq, ""] : [pq.slice(0, i), pq.slice(i + 1)];
}

function asRequest(row: Row): DetectRequest {
  const [path, query] = splitPathQuery(row.path_query);
  const headers = Object.entries(row.headers ?? {}) as Array<[string, string]>;
  const ct = headers.find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? (row.body ? "application/x-www-form-urlencoded" : "");
  return { method: row.method, path, query, headers, contentType: ct, body: row.body ? Buffer.from(row.body) : undefined };
}

/** The payload placed somewhere else in a request. */
const WRAPS: Record<string, (p: string) => DetectRequest> = {
  form: (p) => ({
    method: "POST",
    path: "/",
    query: "",
    headers: [["user-agent", UA]],
    contentType: "application/x-www-form-urlencoded",
    body: Buffer.from("q=" + encodeURIComponent(p)),
  }),
  json: (p) => ({
    method: "POST",
    path: "/api",
    query: "",
    headers: [["user-agent", UA]],
    contentType: "application/json",
    body: Buffer.from(JSON.stringify({ data: { q: p } })),
  }),
  header: (p) => ({ method: "GET", path: "/", query: "", headers: [["user-agent", p.replace(/[\r\n\0]/g, " ")]] }),
  cookie: (p) => ({
    method: "GET",
    path: "/",
    query: "",
    headers: [
      ["user-agent", UA],
      ["cookie", "sid=abc; q=" + encodeURIComponent(p)],
    ],
  }),
  path: (p) => ({ method: "GET", path: "/p/" + encodeURIComponent(p), query: "", headers: [["user-agent", UA]] }),
};

interface Cell {
  n: number;
  hit: number;
  ms: number;
  misses: string[];
  rules: Map<string, number>;
}
const table = new Map<string, Cell>(); // key: source|family|label|wrap

function cell(key: string): Cell {
  let c = table.get(key);
  if (!c) table.set(key, (c = { n: 0, hit: 0, ms: 0, misses: [], rules: new Map() }));
  return c;
}

let inspected = 0;
let engineMs = 0;

function run(req: DetectRequest): [Finding | null, number] {
  const t = performance.now();
  const f = engine.inspect(req);
  const dt = performance.now() - t;
  inspected++;
  engineMs += dt;
  return [f, dt];
}

const files: Array<[string, string]> = readdirSync(corporaDir)
  .filter((f) => f.endsWith(".jsonl.gz"))
  .sort()
  .map((f) => [f.replace(/\.jsonl\.gz$/, ""), join(corporaDir, f)]);
if (ownSets) {
  for (const dir of ["families", "benign"]) {
    for (const f of readdirSync(join(here, dir))
      .filter((f) => f.endsWith(".jsonl"))
      .sort())
      files.push([`own-${dir}`, join(here, dir, f)]);
  }
}
for (const [name, path] of files) {
  if (sources && !sources.includes(name)) continue;
  const raw = readFileSync(path);
  const lines = (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8").split("\n");
  for (const line of lines) {
    if (!line) continue;
    const row = JSON.parse(line) as Row;
    if (onlyFamily && row.family !== onlyFamily) continue;
    const [f, dt] = run(asRequest(row));
    const c = cell(`${name}|${row.family}|${row.label}|request`);
    c.n++;
    c.ms += dt;
    const flagged = f !== null;
    if (flagged) {
      c.hit++;
      c.rules.set(f!.rule, (c.rules.get(f!.rule) ?? 0) + 1);
    }
    const sample = row.payload || row.path_query;
    if (row.label === "attack" && !flagged && c.misses.length < showMisses) c.misses.push(sample);
    if (row.label !== "attack" && flagged && c.misses.length < showFps)
      c.misses.push(`${sample}  <= ${f!.rule} @${f!.location}: ${f!.snippet}`);
    // Payload-only rows: the same payload in other places.
    const payloadOnly = row.payload && row.body === null && row.path_query.startsWith("/?q=");
    if (wraps && payloadOnly && row.label !== "anomalous") {
      for (const [w, make] of Object.entries(WRAPS)) {
        const [g] = run(make(row.payload));
        const cw = cell(`${name}|${row.family}|${row.label}|${w}`);
        cw.n++;
        if (g !== null) cw.hit++;
      }
    }
  }
}

// ---- report ----
const pct = (a: number, b: number) => (b === 0 ? "   -  " : ((100 * a) / b).toFixed(1).padStart(5) + "%");
const wrapNames = ["request", ...(wraps ? Object.keys(WRAPS) : [])];
const groups = new Map<string, Map<string, Cell>>();
for (const [key, c] of table) {
  const [src, fam, label, wrap] = key.split("|");
  const g = `${src}|${fam}|${label}`;
  if (!groups.has(g)) groups.set(g, new Map());
  groups.get(g)!.set(wrap, c);
}
const header = ["source", "family", "label", "rows", ...wrapNames]
  .map((h, i) => (i < 3 ? h.padEnd(i === 1 ? 24 : 12) : h.padStart(7)))
  .join(" ");
console.log(header);
console.log("-".repeat(header.length));
const out: Record<string, unknown>[] = [];
for (const [g, m] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
  const [src, fam, label] = g.split("|");
  const base = m.get("request")!;
  const cols = wrapNames.map((w) => {
    const c = m.get(w);
    return c ? pct(c.hit, c.n).padStart(7) : "      -";
  });
  console.log([src.padEnd(12), fam.slice(0, 24).padEnd(24), label.padEnd(12), String(base.n).padStart(7), ...cols].join(" "));
  const rec: Record<string, unknown> = { source: src, family: fam, label, rows: base.n };
  for (const w of wrapNames) {
    const c = m.get(w);
    if (c) rec[w] = { flagged: c.hit, rows: c.n, rate: c.hit / c.n };
  }
  rec.rules = Object.fromEntries(base.rules);
  out.push(rec);
  if (base.misses.length)
    for (const s of base.misses) console.log(`      ${label === "attack" ? "miss" : "flag"}: ${JSON.stringify(s).slice(0, 220)}`);
}
const usPerReq = (engineMs * 1000) / inspected;
console.log(
  `\n${inspected} inspections, ${usPerReq.toFixed(2)} µs/request (incl. JS marshalling), ${Math.round(1e6 / usPerReq)} requests/s`,
);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ inspections: inspected, usPerRequest: usPerReq, rows: out }, null, 2));
