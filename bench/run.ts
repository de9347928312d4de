// Gatewarden's performance benchmark: a real Envoy under wrk, in front of a direct_response upstream
// Envoy, comparing in one run and interleaved (round-robin) plain Envoy, the Wasm filter (capture,
// policy, sync check) and ext_proc mode (buffered, observability), for three payloads. Every run is
// checked (all 2xx, no socket errors, every capture at the TME); a failed check marks the variant
// invalid and the command exits 1. Writes bench/results/latest.{json,md,png}. See bench/README.md.
//
//   npm run bench -- [--quick] [--variants a,b] [--payloads x,y] [--duration s] [--runs n]
//                    [--connections n] [--concurrency n] [--probe s] [--warmup s] [--pin] [--out dir]
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT, TME_BUNDLE, WASM_PATH } from "../host/devstack/paths.ts";
import { ensureWrk, writeWrkScript } from "./lib/wrk.ts";
import { PAYLOADS, requestSpecs, type PayloadName } from "./lib/payloads.ts";
import { VARIANTS, variantSpecs, type VariantName, type VariantSpec } from "./lib/variants.ts";
import { extProcUnavailable } from "./lib/bootstraps.ts";
import { envoyVersion } from "./lib/envoy-process.ts";
import { foreignCpuPct, measureDirect, measureRun, startStack, type Placement, type RunSample } from "./lib/harness.ts";
import { machineInfo } from "./lib/procfs.ts";
import { aggregate, compareWithPlain, floorMarkdown, markdownTable, targetChecks, targetsMarkdown } from "./lib/report.ts";
import { renderPng, renderSvg } from "./lib/chart.ts";
import { median } from "./lib/stats.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    variants: { type: "string" },
    payloads: { type: "string" },
    duration: { type: "string" },
    runs: { type: "string" },
    connections: { type: "string", default: "16" },
    concurrency: { type: "string", default: "1" },
    probe: { type: "string" },
    warmup: { type: "string" },
    pin: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "results") },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(`npm run bench -- [options]
  --quick            3 runs of 2 s per variant and payload (under five minutes); default 5 runs of 8 s
  --variants a,b     subset of ${VARIANTS.join(", ")}
  --payloads x,y     subset of ${PAYLOADS.join(", ")}
  --duration s       seconds of load per run
  --runs n           interleaved rounds (each variant and payload once per round; at least 3 for medians)
  --connections n    wrk connections for the load (default 16; 1 thread)
  --concurrency n    Envoy worker threads for the Envoys under test (default 1)
  --probe s          seconds of the 1-connection latency probe after each load (0 = off)
  --warmup s         seconds of unmeasured load per variant and payload before the first round
  --pin              pin the Envoy under test to CPU 1 and everything else to CPU 0
  --out dir          where latest.{json,md,png} go (default bench/results)`);
  process.exit(0);
}

const log = (s: string) => console.error(`bench: ${s}`);
const positive = (name: string, v: string | undefined, fallback: number, min = 1) => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got ${v}`);
  return n;
};
const quick = values.quick!;
const duration = positive("duration", values.duration, quick ? 2 : 8);
const runs = positive("runs", values.runs, quick ? 3 : 5);
const connections = positive("connections", values.connections, 16);
const concurrency = positive("concurrency", values.concurrency, 1);
const probeSeconds = positive("probe", values.probe, 1, 0);
const warmupSeconds = positive("warmup", values.warmup, quick ? 1 : 3, 0);
const list = <T extends string>(name: string, v: string | undefined, all: readonly T[]): T[] => {
  if (!v) return [...all];
  const items = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) if (!all.includes(i as T)) throw new Error(`--${name}: unknown "${i}" (known: ${all.join(", ")})`);
  return all.filter((a) => items.includes(a));
};
const wantedVariants = list<VariantName>("variants", values.variants, VARIANTS);
const payloads = list<PayloadName>("payloads", values.payloads, PAYLOADS);
if (runs < 3) log(`warning: --runs ${runs}: medians of fewer than 3 runs are not robust`);

const placement: Placement = values.pin ? { proxy: ["taskset", "-c", "1"], rest: ["taskset", "-c", "0"] } : { proxy: [], rest: [] };

const startedAt = new Date();
const t0 = Date.now();
for (const f of [WASM_PATH, TME_BUNDLE]) if (!existsSync(f)) throw new Error(`${relative(ROOT, f)} is missing: run npm run build`);
const wrkVersion = ensureWrk(log);

const specs = variantSpecs();
const skipped: { name: string; reason: string }[] = [];
const extProcReason = wantedVariants.some((v) => specs[v].kind === "ext_proc") ? extProcUnavailable() : undefined;
const variants: VariantSpec[] = [];
for (const name of wantedVariants) {
  if (specs[name].kind === "ext_proc" && extProcReason) {
    skipped.push({ name, reason: extProcReason });
    log(`SKIPPING ${name}: ${extProcReason}`);
    continue;
  }
  variants.push(specs[name]);
}
if (variants.length === 0) throw new Error("no variant left to measure");

const workDir = mkdtempSync(join(tmpdir(), "gatewarden-bench-"));
const requests = requestSpecs(workDir);
const scripts = Object.fromEntries(payloads.map((p) => [p, writeWrkScript(workDir, p, requests[p])])) as Record<PayloadName, string>;

log(
  `Envoy ${envoyVersion()}, ${wrkVersion}; Envoy --concurrency ${concurrency}, wrk 1 thread × ${connections} connections, ${runs} rounds × ${duration}s (+${probeSeconds}s 1-connection probe)${values.pin ? ", pinned" : ""}`,
);
log(`variants: ${variants.map((v) => v.name).join(", ")}; payloads: ${payloads.join(", ")}`);
const stack = await startStack({ variants, concurrency, placement, log });
let exitCode = 0;
try {
  const ourPids = [
    process.pid,
    stack.upstream.pid,
    ...[...stack.envoys.values()].map((e) => e.pid),
    stack.tmeWasm?.process.pid ?? 0,
    stack.tmeExtProc?.process.pid ?? 0,
  ].filter(Boolean);

  // Before each measured run: if other processes on the machine are busy, wait a little for them.
  const quietBudgetMs = quick ? 0 : 5000;
  const waitForQuiet = async (): Promise<number> => {
    const deadline = Date.now() + quietBudgetMs;
    let foreign = await foreignCpuPct(ourPids, 200);
    while (foreign > 20 && Date.now() < deadline) foreign = await foreignCpuPct(ourPids, 500);
    return foreign;
  };

  // The upstream alone, to show it is not what limits the proxies.
  const direct: Record<string, { rps: number; upstream_cpu_pct: number; errors: number }> = {};
  for (const p of payloads) {
    direct[p] = await measureDirect(stack, scripts[p], connections, quick ? 1 : Math.min(duration, 3), placement);
    log(`upstream answering directly, ${p}: ${Math.round(direct[p]!.rps)} rps at ${direct[p]!.upstream_cpu_pct.toFixed(0)}% of a core`);
  }

  if (warmupSeconds > 0) {
    // Quick mode warms each Envoy once (its Wasm VM and connections), with the middle payload.
    const warmPayloads = quick ? [payloads.includes("json-1k") ? ("json-1k" as const) : payloads[0]!] : payloads;
    log(`warm-up: ${warmupSeconds}s per variant and payload (${warmPayloads.join(", ")})`);
    for (const p of warmPayloads) {
      for (const v of variants) {
        await measureRun({
          stack,
          variant: v,
          round: 0,
          script: scripts[p],
          connections,
          seconds: warmupSeconds,
          probeSeconds: 0,
          placement,
          selfPid: process.pid,
        });
      }
    }
  }

  const samples = new Map<string, RunSample[]>();
  const logSeen = new Map<string, number>();
  const keyOf = (v: string, p: string) => `${v}\u0000${p}`;
  for (let round = 1; round <= runs; round++) {
    for (const p of payloads) {
      // Round-robin, starting one variant later each round, so no variant always follows the same one.
      const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]!);
      for (const v of order) {
        const foreignBefore = await waitForQuiet();
        const s = await measureRun({
          stack,
          variant: v,
          round,
          script: scripts[p],
          connections,
          seconds: duration,
          probeSeconds,
          placement,
          selfPid: process.pid,
        });
        if (foreignBefore > 20) s.warnings.push(`other processes used ${foreignBefore.toFixed(0)}% of a core just before the run`);
        // Envoy's own words since the last look, e.g. a Wasm VM that trapped and left the filter bypassed (FAIL_OPEN).
        const output = stack.envoys.get(v.name)!.output();
        const fresh = output.slice(Math.min(logSeen.get(v.name) ?? 0, output.length));
        logSeen.set(v.name, output.length);
        const said = fresh.split("\n").filter((l) => /critical|error|wasm|warning/i.test(l));
        if (said.length > 0) {
          for (const line of said.slice(0, 3)) s.warnings.push(`Envoy log: ${line.slice(0, 300)}`);
          if (said.length > 3) s.warnings.push(`Envoy log: … ${said.length - 3} more such lines`);
        }
        const k = keyOf(v.name, p);
        samples.set(k, [...(samples.get(k) ?? []), s]);
        const flag = s.problems.length ? ` INVALID: ${s.problems.join("; ")}` : "";
        log(
          `round ${round}/${runs} ${p.padEnd(8)} ${v.name.padEnd(22)} ${Math.round(s.rps).toString().padStart(6)} rps  p50 ${Math.round(s.p50_us)}µs p99 ${Math.round(s.p99_us)}µs` +
            `${s.idle_p50_us !== null ? ` 1-conn p50 ${Math.round(s.idle_p50_us)}µs` : ""}  Envoy ${s.cpu_us_per_request.toFixed(1)} µs/req` +
            `  cpu% envoy ${s.cpu_pct.envoy.toFixed(0)} up ${s.cpu_pct.upstream.toFixed(0)} tme ${s.cpu_pct.tme.toFixed(0)} wrk ${s.cpu_pct.wrk.toFixed(0)} other ${s.cpu_pct.other.toFixed(0)}${flag}`,
        );
      }
    }
  }

  const results = payloads.flatMap((p) => variants.map((v) => aggregate(v.name, p, v.description, samples.get(keyOf(v.name, p)) ?? [])));
  compareWithPlain(results);
  const targets = targetChecks(results);
  const finishedAt = new Date();
  const invalid = results.filter((r) => !r.valid);

  let commit = "";
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  const json = {
    schema: "gatewarden-bench/1",
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    wall_seconds: Math.round((Date.now() - t0) / 1000),
    valid: invalid.length === 0,
    git_commit: commit,
    envoy_version: envoyVersion(),
    load_generator: wrkVersion,
    machine: machineInfo(),
    setup: {
      quick,
      envoy_concurrency: concurrency,
      wrk_threads: 1,
      connections,
      duration_s: duration,
      latency_probe_s: probeSeconds,
      latency_probe_connections: 1,
      warmup_s: warmupSeconds,
      rounds: runs,
      interleaved: "round-robin over variants within each round and payload, rotated by one each round",
      pinned: values.pin ? { proxy_cpu: 1, others_cpu: 0 } : false,
      upstream: "Envoy direct_response (envoy/bench-upstream.yaml), concurrency 1",
      payloads: Object.fromEntries(
        payloads.map((p) => [
          p,
          { method: requests[p].method, path: requests[p].path, body_bytes: p === "get" ? 0 : p === "json-1k" ? 1024 : 65536 },
        ]),
      ),
    },
    upstream_check: Object.fromEntries(
      payloads.map((p) => {
        const plain = results.find((r) => r.name === "plain" && r.payload === p);
        const maxUp = Math.max(...results.filter((r) => r.payload === p).flatMap((r) => r.runs.map((x) => x.cpu_pct.upstream)));
        return [
          p,
          {
            direct_rps: direct[p]!.rps,
            direct_upstream_cpu_pct: direct[p]!.upstream_cpu_pct,
            plain_rps: plain?.rps ?? null,
            headroom: plain ? direct[p]!.rps / plain.rps : null,
            max_upstream_cpu_pct_in_runs: maxUp,
          },
        ];
      }),
    ),
    skipped,
    variants: results,
    targets,
  };
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, "latest.json"), JSON.stringify(json, null, 2) + "\n");

  const subtitle = `Envoy ${json.envoy_version}, --concurrency ${concurrency}; wrk 1 thread × ${connections} conn; ${runs} interleaved rounds × ${duration}s; ${json.machine.cpus} CPUs; ${finishedAt.toISOString().slice(0, 16)}Z`;
  const table = markdownTable(results);
  const upstreamLines = payloads.map((p) => {
    const u = json.upstream_check[p]!;
    return `- ${p}: upstream alone ${Math.round(u.direct_rps)} rps at ${u.direct_upstream_cpu_pct.toFixed(0)}% of a core; through plain Envoy ${u.plain_rps === null ? "–" : Math.round(u.plain_rps)} rps (headroom ${u.headroom === null ? "–" : `${u.headroom.toFixed(2)}×`}); upstream at most ${u.max_upstream_cpu_pct_in_runs.toFixed(0)}% of a core during the runs`;
  });
  const floorLines = floorMarkdown(results);
  const problems = results.flatMap((r) => r.problems.map((p) => `- ${r.name} / ${r.payload}: ${p}`));
  const warnings = results.flatMap((r) => r.warnings.map((w) => `- ${r.name} / ${r.payload}: ${w}`));
  const md = [
    "# Gatewarden benchmark",
    "",
    subtitle,
    "",
    table,
    "",
    "Medians over the rounds. p50/p99: under load (closed loop); 1-conn p50: a 1-connection probe after each load (no queueing).",
    "Envoy CPU µs/req: utime+stime of the Envoy under test (/proc/<pid>/stat) from the start of the load to the end of the capture drain, per request it served.",
    "CPU %: share of one core during the load for the Envoy under test, the upstream Envoy, the TME(s), wrk, and other processes on the machine.",
    "",
    "## Targets",
    "",
    targetsMarkdown(targets),
    ...(floorLines.length ? ["", "## The floor: any filter of this stack", "", ...floorLines] : []),
    "",
    "## Upstream check",
    "",
    ...upstreamLines,
    ...(skipped.length ? ["", "## Skipped", "", ...skipped.map((s) => `- ${s.name}: ${s.reason}`)] : []),
    ...(problems.length ? ["", "## Invalid runs", "", ...problems] : []),
    ...(warnings.length ? ["", "## Warnings", "", ...warnings] : []),
    "",
  ].join("\n");
  writeFileSync(join(values.out!, "latest.md"), md);
  const svg = renderSvg(results, "Gatewarden: Envoy throughput and CPU per request", subtitle);
  writeFileSync(join(values.out!, "latest.png"), renderPng(svg, log));

  console.log(`\n${table}\n`);
  for (const l of upstreamLines) console.log(l);
  if (skipped.length) console.log(`\nskipped:\n${skipped.map((s) => `- ${s.name}: ${s.reason}`).join("\n")}`);
  if (warnings.length) console.log(`\nwarnings:\n${warnings.join("\n")}`);
  console.log(`\ntargets (informational):\n${targetsMarkdown(targets)}`);
  if (floorLines.length) console.log(`\nthe floor (a do-nothing filter of the same SDK):\n${floorLines.join("\n")}`);
  if (problems.length) console.log(`\nINVALID:\n${problems.join("\n")}`);
  const spread = median(results.map((r) => r.rps_cv));
  console.log(`\nmedian run-to-run spread of rps (cv): ${(spread * 100).toFixed(1)}%`);
  console.log(
    `wrote ${["latest.json", "latest.md", "latest.png"].map((f) => relative(ROOT, join(values.out!, f))).join(", ")} in ${json.wall_seconds}s`,
  );
  if (invalid.length > 0) {
    console.log(`\n${invalid.length} variant/payload combination(s) INVALID: exit 1`);
    exitCode = 1;
  }
} finally {
  await stack.stop();
  rmSync(workDir, { recursive: true, force: true });
}
process.exitCode = exitCode;
