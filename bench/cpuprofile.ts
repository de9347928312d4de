// Summarises a V8 .cpuprofile (node --cpu-prof, or the TME under GATEWARDEN_TME_NODE_ARGS): the functions
// with the most self time and the most inclusive time. Wasm functions show by name when the module was
// built with names (asc ... --debug).
//   npx tsx bench/cpuprofile.ts FILE.cpuprofile [--top 30] [--match REGEX]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, match: { type: "string" } },
});
if (positionals.length !== 1) throw new Error("usage: bench/cpuprofile.ts FILE.cpuprofile [--top N] [--match REGEX]");
const profile = JSON.parse(readFileSync(positionals[0]!, "utf8")) as Profile;
const top = Number(values.top);
const match = values.match ? new RegExp(values.match) : undefined;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop() ?? ""}`.trim();

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  self.set(name(byId.get(id)!), (self.get(name(byId.get(id)!)) ?? 0) + dt);
  // Each function once per sample, however deep it recursed.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur)!);
    if (!seen.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    seen.add(k);
  }
});

for (const [title, table] of [
  ["self", self],
  ["inclusive", inclusive],
] as const) {
  console.log(`\n${title} time (% of samples):`);
  const rows = [...table]
    .filter(([k]) => !match || match.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [k, v] of rows) console.log(`${((100 * v) / total).toFixed(1).padStart(6)}  ${k}`);
}
