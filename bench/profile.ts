// Where a variant's time goes, for quick iterations on the filter.
//   npm run bench:profile -- [--variant wasm-policy] [--payload json-1k] [--duration 10] [--rounds 3] [--perf]
// 1. Per-request cost by difference: plain and the variant alternate under the same load (interleaved
//    rounds), and the Envoy CPU µs per request of plain is subtracted from the variant's: what the filter
//    itself costs per request, in µs, independent of how the box's cores are shared. The TME's CPU per
//    request is shown beside it.
// 2. With --perf: samples the variant's Envoy with `perf record -g` during one more load and prints the
//    hottest symbols. Wasm code JIT-compiled by V8 shows as unnamed addresses (Envoy's V8 writes no perf
//    map), so expect the V8/Envoy side to be named and the filter's own code to be lumped; if perf cannot
//    run here (perf_event_paranoid, containers), this step says so and the difference in 1 stands.
import { parseArgs } from "node:util";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureWrk, ensureDebianPackage, writeWrkScript, startWrk } from "./lib/wrk.ts";
import { PAYLOADS, requestSpecs, type PayloadName } from "./lib/payloads.ts";
import { VARIANTS, variantSpecs, type VariantName } from "./lib/variants.ts";
import { extProcUnavailable } from "./lib/bootstraps.ts";
import { measureRun, startStack, type Placement, type RunSample } from "./lib/harness.ts";
import { median } from "./lib/stats.ts";

const { values } = parseArgs({
  options: {
    variant: { type: "string", default: "wasm-policy" },
    payload: { type: "string", default: "json-1k" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "16" },
    perf: { type: "boolean", default: false },
  },
});
const log = (s: string) => console.error(`profile: ${s}`);
const variantName = values.variant as VariantName;
const payload = values.payload as PayloadName;
if (!VARIANTS.includes(variantName) || variantName === "plain")
  throw new Error(`--variant: one of ${VARIANTS.filter((v) => v !== "plain").join(", ")}`);
if (!PAYLOADS.includes(payload)) throw new Error(`--payload: one of ${PAYLOADS.join(", ")}`);
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const specs = variantSpecs();
const variant = specs[variantName];
if (variant.kind === "ext_proc") {
  const why = extProcUnavailable();
  if (why) throw new Error(`${variantName}: ${why}`);
}
ensureWrk(log);
const placement: Placement = { proxy: [], rest: [] };
const dir = mkdtempSync(join(tmpdir(), "gatewarden-profile-"));
const script = writeWrkScript(dir, payload, requestSpecs(dir)[payload]);
const stack = await startStack({ variants: [specs.plain, variant], concurrency: 1, placement, log });
try {
  const runs: Record<string, RunSample[]> = { plain: [], [variantName]: [] };
  for (const v of [specs.plain, variant]) {
    await measureRun({ stack, variant: v, round: 0, script, connections, seconds: 2, probeSeconds: 0, placement, selfPid: process.pid });
  }
  for (let round = 1; round <= rounds; round++) {
    for (const v of round % 2 ? [specs.plain, variant] : [variant, specs.plain]) {
      const s = await measureRun({
        stack,
        variant: v,
        round,
        script,
        connections,
        seconds: duration,
        probeSeconds: 2,
        placement,
        selfPid: process.pid,
      });
      runs[v.name]!.push(s);
      log(
        `round ${round} ${v.name}: ${Math.round(s.rps)} rps, Envoy ${s.cpu_us_per_request.toFixed(1)} µs/req, 1-conn p50 ${s.idle_p50_us?.toFixed(0)} µs${s.problems.length ? ` INVALID: ${s.problems.join("; ")}` : ""}`,
      );
    }
  }
  const m = (name: string, f: (s: RunSample) => number | null) => median(runs[name]!.map(f).filter((x): x is number => x !== null));
  const cpuPlain = m("plain", (s) => s.cpu_us_per_request);
  const cpuVar = m(variantName, (s) => s.cpu_us_per_request);
  const perRound = runs[variantName]!.map((s, i) => s.cpu_us_per_request - runs.plain![i]!.cpu_us_per_request);
  console.log(`\n${variantName} vs plain, ${payload}, ${rounds} interleaved rounds of ${duration}s, ${connections} connections:`);
  console.log(
    `  Envoy CPU per request: plain ${cpuPlain.toFixed(1)} µs, ${variantName} ${cpuVar.toFixed(1)} µs → filter cost ${(cpuVar - cpuPlain).toFixed(1)} µs/request (per round: ${perRound.map((x) => x.toFixed(1)).join(", ")})`,
  );
  if (variant.kind !== "floor") console.log(`  TME CPU per request: ${m(variantName, (s) => s.tme_cpu_us_per_request).toFixed(1)} µs`);
  console.log(`  rps: plain ${m("plain", (s) => s.rps).toFixed(0)}, ${variantName} ${m(variantName, (s) => s.rps).toFixed(0)}`);
  console.log(
    `  1-connection p50: plain ${m("plain", (s) => s.idle_p50_us).toFixed(0)} µs, ${variantName} ${m(variantName, (s) => s.idle_p50_us).toFixed(0)} µs`,
  );
  const invalid = [...runs.plain!, ...runs[variantName]!].some((s) => s.problems.length > 0);
  if (invalid) console.log("  (some runs were INVALID: see above)");

  if (values.perf) {
    try {
      ensureDebianPackage(
        "linux-perf",
        () => {
          try {
            execFileSync("perf", ["--version"], { stdio: "ignore" });
            return true;
          } catch {
            return false;
          }
        },
        log,
      );
      const envoy = stack.envoys.get(variantName)!;
      const data = join(dir, "perf.data");
      const perf = spawn("perf", ["record", "-F", "499", "-g", "-p", String(envoy.pid), "-o", data, "--", "sleep", String(duration)], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let perfErr = "";
      perf.stderr!.on("data", (c: Buffer) => (perfErr += c.toString()));
      const load = startWrk({ url: envoy.url, script, connections, seconds: duration });
      const code = await new Promise<number | null>((r) => perf.once("exit", r));
      await load.result;
      if (code !== 0) throw new Error(`perf record exited with ${code}: ${perfErr.trim().split("\n").slice(-3).join(" ")}`);
      const report = execFileSync(
        "perf",
        ["report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol", "--percent-limit", "1", "-g", "none"],
        { encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
      );
      const byDso = execFileSync("perf", ["report", "-i", data, "--stdio", "--no-children", "--sort", "dso", "-g", "none"], {
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
      });
      console.log(
        `\nperf: ${variantName}'s Envoy by object (JIT-compiled Wasm and V8 code shows as [unknown] or a JIT map; the envoy binary is stripped):`,
      );
      console.log(
        byDso
          .split("\n")
          .filter((l) => l.trim() && !l.startsWith("#"))
          .slice(0, 12)
          .join("\n"),
      );
      console.log(`\nperf: hottest symbols of ${variantName}'s Envoy (≥ 1% of samples):`);
      console.log(
        report
          .split("\n")
          .filter((l) => l.trim() && !l.startsWith("#"))
          .slice(0, 40)
          .join("\n"),
      );
    } catch (error) {
      console.log(
        `\nperf: unavailable here (${(error as Error).message.split("\n")[0]}); the per-request difference above is the measurement.`,
      );
    }
  }
  process.exitCode = invalid ? 1 : 0;
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
