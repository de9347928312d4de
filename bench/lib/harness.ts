// The benchmark stack and one measured run: an upstream Envoy, the TMEs, one Envoy per variant (all
// started once and kept running, so rounds can interleave variants), and the checks that each run
// really did what the variant promises (every request answered 2xx, every capture reported).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTmeProcess, type TmeProcess } from "../../host/devstack/tme.ts";
import { freePort } from "../../host/devstack/ports.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";
import { buildFloorWasm } from "./floor.ts";
import { startBenchEnvoy, type BenchEnvoy } from "./envoy-process.ts";
import { upstreamBootstrap, plainBootstrap, wasmBootstrap, extProcBootstrap, type CommonPorts } from "./bootstraps.ts";
import { BENCH_AGENT_TOKEN, benchPolicy, defaultPluginConfig, type VariantSpec } from "./variants.ts";
import { machineCpuMicros, processCpuMicros, processMemory } from "./procfs.ts";
import { startWrk, type WrkResult } from "./wrk.ts";
import { delta, sumMatching } from "./stats.ts";
import { fetchPrometheus } from "../../host/devstack/prometheus.ts";

/** The filter's tick (filter/assembly/plugin.ts, 100 ms), with room for one late tick. */
const COUNTER_FLUSH_MS = 250;

export interface Placement {
  /** taskset prefixes: the Envoy under test, and the rest (load generator, upstream, TME). */
  proxy: string[];
  rest: string[];
}

export interface Stack {
  upstream: BenchEnvoy;
  tmeWasm?: TmeProcess;
  tmeExtProc?: TmeProcess;
  envoys: Map<string, BenchEnvoy>;
  stop(): Promise<void>;
}

async function tmeMetrics(tme: TmeProcess): Promise<Map<string, number>> {
  return fetchPrometheus(`${tme.url}/metrics`);
}

function wrapTme(tme: TmeProcess, placement: Placement): TmeProcess {
  // The TME is a child of ours; pin it after the fact (taskset -p) rather than wrapping node.
  if (placement.rest.length > 0) {
    const cpus = placement.rest[placement.rest.length - 1]!;
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(tme.process.pid)], { stdio: "ignore" });
  }
  return tme;
}

export async function startStack(opts: {
  variants: VariantSpec[];
  concurrency: number;
  placement: Placement;
  log: (s: string) => void;
}): Promise<Stack> {
  const started: { stop(): Promise<void> }[] = [];
  const tmpDirs: string[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    const [ul, ua] = [await freePort(), await freePort()];
    const upstream = await startBenchEnvoy({
      name: "upstream",
      bootstrap: upstreamBootstrap(ul, ua),
      listenPort: ul,
      adminPort: ua,
      concurrency: 1,
      wrapper: opts.placement.rest,
    });
    started.push(upstream);
    opts.log(`upstream: Envoy direct_response on :${ul} (pid ${upstream.pid}, concurrency 1)`);

    const tmeEnv = (name: string) => {
      const dir = mkdtempSync(join(tmpdir(), `gatewarden-bench-tme-${name}-`));
      tmpDirs.push(dir);
      return { dir, env: { TME_SPOOL_DIR: join(dir, "spool"), TME_SPOOL_FSYNC: "never" } };
    };
    let tmeWasm: TmeProcess | undefined;
    if (opts.variants.some((v) => v.kind === "wasm")) {
      // No policy file: /v1/policy answers 404 and each filter keeps the policy of its own configuration.
      tmeWasm = wrapTme(await startTmeProcess({ env: { ...tmeEnv("wasm").env, TME_AGENT_TOKEN: BENCH_AGENT_TOKEN } }), opts.placement);
      started.push(tmeWasm);
      opts.log(`tme (wasm variants): http :${tmeWasm.httpPort} (pid ${tmeWasm.process.pid})`);
    }
    let tmeExtProc: TmeProcess | undefined;
    if (opts.variants.some((v) => v.kind === "ext_proc")) {
      // The ext_proc TME enforces the same policy as wasm-policy.
      const { dir, env } = tmeEnv("ext-proc");
      const policyFile = join(dir, "policy.json");
      writeFileSync(policyFile, JSON.stringify(benchPolicy()));
      // Capture settings as the filter's (envoy/plugin-config.json), so both modes capture the same.
      const cfg = defaultPluginConfig();
      const captureEnv = {
        TME_SERVICE_NAME: String(cfg.serviceName ?? "istio"),
        TME_BODY_CAPTURE_SIZE: String(cfg.bodyCaptureSize ?? 131072),
        TME_ALLOWED_CONTENT_TYPES: ((cfg.allowedContentTypes as string[] | undefined) ?? ["json"]).join(","),
      };
      tmeExtProc = wrapTme(await startTmeProcess({ env: { ...env, ...captureEnv, TME_POLICY_FILE: policyFile } }), opts.placement);
      started.push(tmeExtProc);
      opts.log(`tme (ext_proc variants): http :${tmeExtProc.httpPort} grpc :${tmeExtProc.grpcPort} (pid ${tmeExtProc.process.pid})`);
    }

    const envoys = new Map<string, BenchEnvoy>();
    for (const v of opts.variants) {
      const tme = v.kind === "ext_proc" ? tmeExtProc : tmeWasm;
      const ports: CommonPorts = {
        listenPort: await freePort(),
        adminPort: await freePort(),
        upstreamPort: ul,
        tmeHttpPort: tme?.httpPort ?? 9,
        tmeGrpcPort: tme?.grpcPort ?? 9,
      };
      const bootstrap =
        v.kind === "plain"
          ? plainBootstrap(ports, WASM_PATH)
          : v.kind === "floor"
            ? wasmBootstrap(ports, buildFloorWasm(), {})
            : v.kind === "wasm"
              ? wasmBootstrap(ports, WASM_PATH, v.pluginConfig)
              : extProcBootstrap(ports, v.extProcMode!);
      const envoy = await startBenchEnvoy({
        name: v.name,
        bootstrap,
        listenPort: ports.listenPort,
        adminPort: ports.adminPort,
        concurrency: opts.concurrency,
        wrapper: opts.placement.proxy,
      });
      started.push(envoy);
      envoys.set(v.name, envoy);
      opts.log(`${v.name}: Envoy on :${ports.listenPort} (pid ${envoy.pid}, concurrency ${opts.concurrency})`);
    }
    return { upstream, tmeWasm, tmeExtProc, envoys, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RunSample {
  round: number;
  rps: number;
  requests: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  /** The 1-connection latency probe after the load (no queueing): the request's own latency. */
  idle_p50_us: number | null;
  idle_p99_us: number | null;
  /** Envoy's CPU time (all threads) from the start of the load to the end of the drain, per request it served. */
  cpu_us_per_request: number;
  rss_bytes: number;
  rss_peak_bytes: number;
  /** CPU use during the load window, in % of one core. */
  cpu_pct: { envoy: number; upstream: number; tme: number; wrk: number; other: number; machine: number };
  tme_cpu_us_per_request: number | null;
  /** What Envoy and the TME counted: the evidence behind `problems`. */
  counts: Record<string, number>;
  problems: string[];
  warnings: string[];
}

/** Busy CPU of processes that are not part of this benchmark, in % of one core, sampled over `ms`. */
export async function foreignCpuPct(ourPids: number[], ms: number): Promise<number> {
  const ours = () => ourPids.reduce((s, pid) => s + safeCpu(pid), 0);
  const m0 = machineCpuMicros();
  const o0 = ours();
  await new Promise((r) => setTimeout(r, ms));
  const m1 = machineCpuMicros();
  const o1 = ours();
  const wall = ms * 1000;
  return (100 * Math.max(0, m1.busy - m0.busy - (o1 - o0))) / wall;
}

function safeCpu(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return processCpuMicros(pid);
  } catch {
    return 0;
  }
}

export async function measureRun(opts: {
  stack: Stack;
  variant: VariantSpec;
  round: number;
  script: string;
  connections: number;
  seconds: number;
  probeSeconds: number;
  placement: Placement;
  /** The node process itself (it is mostly idle during a run, but it is ours). */
  selfPid: number;
}): Promise<RunSample> {
  const { stack, variant } = opts;
  const envoy = stack.envoys.get(variant.name)!;
  const tme = variant.kind === "ext_proc" ? stack.tmeExtProc : variant.kind === "wasm" ? stack.tmeWasm : undefined;
  const isWasm = variant.kind === "wasm";
  const problems: string[] = [];
  const warnings: string[] = [];

  const snapshot = async () => ({
    counters: await envoy.counters(),
    prom: isWasm ? await envoy.prometheus() : new Map<string, number>(),
    tme: tme ? await tmeMetrics(tme) : new Map<string, number>(),
  });
  const cpuNow = () => ({
    envoy: safeCpu(envoy.pid),
    upstream: safeCpu(stack.upstream.pid),
    tme: safeCpu(stack.tmeWasm?.process.pid) + safeCpu(stack.tmeExtProc?.process.pid),
    self: safeCpu(opts.selfPid),
    machine: machineCpuMicros(),
  });

  const before = await snapshot();
  const c0 = cpuNow();
  const load = await startWrk({
    url: envoy.url,
    script: opts.script,
    connections: opts.connections,
    seconds: opts.seconds,
    wrapper: opts.placement.rest,
  }).result;
  const c1 = cpuNow();
  let probe: WrkResult | undefined;
  if (opts.probeSeconds > 0) {
    probe = await startWrk({
      url: envoy.url,
      script: opts.script,
      connections: 1,
      seconds: opts.probeSeconds,
      wrapper: opts.placement.rest,
    }).result;
  }

  // Drain: wait until the captures of every request reached the TME (or stopped coming). The filter hands
  // its captured counter to Envoy before each report and at each tick (every 100 ms),
  // so only a snapshot taken a tick after the load counts every capture; an earlier one ends the drain
  // with records still queued, and they land in the next run's count.
  const loadEnded = Date.now();
  let after = await snapshot();
  let afterAt = Date.now();
  if (tme) {
    const deadline = Date.now() + 8000;
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const d = delta(before.tme, after.tme);
      const received = d.get("tme_records_received_total") ?? 0;
      const rq = delta(before.counters, after.counters).get("http.ingress.downstream_rq_total") ?? 0;
      if (isWasm) {
        const p = delta(before.prom, after.prom);
        const captured = p.get("gatewarden_captured_total") ?? 0;
        const settled = (p.get("gatewarden_reported_total") ?? 0) + (p.get("gatewarden_dropped_total") ?? 0);
        const tickPassed = afterAt - loadEnded >= COUNTER_FLUSH_MS;
        if (tickPassed && settled >= captured && received >= (p.get("gatewarden_reported_total") ?? 0) && captured >= rq - opts.connections)
          break;
      } else if (received >= rq) {
        break;
      }
      if (received !== last) {
        last = received;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 1500) {
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
      after = await snapshot();
      afterAt = Date.now();
    }
  }
  const c2 = cpuNow();
  const mem = processMemory(envoy.pid);

  const d = delta(before.counters, after.counters);
  const p = delta(before.prom, after.prom);
  const t = delta(before.tme, after.tme);
  const rqTotal = d.get("http.ingress.downstream_rq_total") ?? 0;
  const rq2xx = d.get("http.ingress.downstream_rq_2xx") ?? 0;
  const non2xx = ["1xx", "3xx", "4xx", "5xx"].reduce((s, c) => s + (d.get(`http.ingress.downstream_rq_${c}`) ?? 0), 0);
  const counts: Record<string, number> = {
    envoy_rq_total: rqTotal,
    envoy_rq_2xx: rq2xx,
    envoy_rq_non2xx: non2xx,
    wrk_requests: load.requests + (probe?.requests ?? 0),
  };

  // Every request answered, and answered 2xx.
  for (const [label, r] of [
    ["load", load],
    ["latency probe", probe],
  ] as const) {
    if (!r) continue;
    const e = r.errors;
    const bad = Object.entries(e).filter(([, n]) => n > 0);
    if (bad.length > 0)
      problems.push(
        `wrk ${label}: ${bad.map(([k, n]) => `${n} ${k === "status" ? "non-2xx/3xx (status ≥ 400)" : `${k} errors`}`).join(", ")}`,
      );
  }
  if (non2xx > 0) problems.push(`Envoy answered ${non2xx} requests with a non-2xx status`);
  if (rqTotal - rq2xx > opts.connections + 1) problems.push(`Envoy saw ${rqTotal} requests but answered only ${rq2xx} with 2xx`);
  if (rq2xx < counts.wrk_requests!) problems.push(`wrk counted ${counts.wrk_requests} responses, Envoy only ${rq2xx} 2xx`);

  // Every capture reached the TME (requests still in flight when wrk stopped may be missing).
  if (tme) {
    const received = t.get("tme_records_received_total") ?? 0;
    const rejected = t.get("tme_records_rejected_total") ?? 0;
    counts.tme_records_received = received;
    counts.tme_records_rejected = rejected;
    if (received < rqTotal - opts.connections)
      problems.push(`the TME received ${received} records for ${rqTotal} requests (allowed in-flight tail: ${opts.connections})`);
    if (received > rqTotal)
      problems.push(`the TME received ${received} records for ${rqTotal} requests: records from elsewhere, the count proves nothing`);
    if (rejected > 0) problems.push(`the TME rejected ${rejected} records`);
  }
  if (isWasm) {
    for (const name of [
      "captured",
      "reported",
      "dropped",
      "report_failures",
      "check_failures",
      "check_fail_open",
      "check_fail_closed",
      "blocked",
      "monitored",
    ]) {
      counts[`gatewarden_${name}_total`] = p.get(`gatewarden_${name}_total`) ?? 0;
    }
    if (counts.gatewarden_dropped_total! > 0) problems.push(`the filter dropped ${counts.gatewarden_dropped_total} records`);
    if (counts.gatewarden_report_failures_total! > 0) problems.push(`${counts.gatewarden_report_failures_total} report callouts failed`);
    if (counts.gatewarden_blocked_total! > 0 || counts.gatewarden_monitored_total! > 0) {
      problems.push(
        `the filter flagged benign requests: ${counts.gatewarden_blocked_total} blocked, ${counts.gatewarden_monitored_total} monitored`,
      );
    }
    if (counts.gatewarden_captured_total! < rqTotal - opts.connections)
      problems.push(`the filter captured ${counts.gatewarden_captured_total} of ${rqTotal} requests`);
  }
  if (variant.syncCheck) {
    const calls = d.get("cluster.gatewarden_tme.upstream_rq_total") ?? 0;
    counts.tme_callouts = calls;
    if (counts.gatewarden_check_failures_total! > 0) problems.push(`${counts.gatewarden_check_failures_total} synchronous checks failed`);
    // One check per request, plus report batches and policy polls.
    if (calls < rq2xx) problems.push(`only ${calls} callouts to the TME for ${rq2xx} requests that each needed a check`);
  }
  if (variant.kind === "ext_proc") {
    const started = sumMatching(d, /\.ext_proc\.streams_started$/);
    const failed = sumMatching(
      d,
      /\.ext_proc\.(streams_failed|failure_mode_allowed|message_timeouts|spurious_msgs_received|rejected_header_mutations|clear_route_cache_errors)$/,
    );
    counts.ext_proc_streams_started = started;
    counts.ext_proc_failures = failed;
    if (started < rq2xx) problems.push(`Envoy opened ${started} ext_proc streams for ${rq2xx} requests`);
    if (failed > 0) problems.push(`${failed} ext_proc stream failures, timeouts or failure-mode passes`);
  }

  // Envoy-side causes worth naming: a circuit breaker of a cluster (the TME's, usually) that overflowed.
  for (const [name, n] of d) {
    const m = /^cluster\.(.+)\.upstream_rq_pending_overflow$/.exec(name);
    if (m && n > 0)
      problems.push(
        `${n} requests to cluster ${m[1]} overflowed its circuit breaker (max_requests/max_pending_requests, Envoy's default 1024)`,
      );
  }

  const wall = load.durationUs;
  const pct = (us: number) => (100 * us) / wall;
  const machineBusy = c1.machine.busy - c0.machine.busy;
  const ours =
    c1.envoy -
    c0.envoy +
    (c1.upstream - c0.upstream) +
    (c1.tme - c0.tme) +
    (c1.self - c0.self) +
    (Number.isFinite(load.cpuUs) ? load.cpuUs : 0);
  const cpuPct = {
    envoy: pct(c1.envoy - c0.envoy),
    upstream: pct(c1.upstream - c0.upstream),
    tme: pct(c1.tme - c0.tme),
    wrk: pct(load.cpuUs),
    other: Math.max(0, pct(machineBusy - ours)),
    machine: pct(machineBusy),
  };
  if (cpuPct.upstream > 85) warnings.push(`upstream Envoy at ${cpuPct.upstream.toFixed(0)}% of a core: it may be the bottleneck`);
  if (cpuPct.other > 25) warnings.push(`other processes used ${cpuPct.other.toFixed(0)}% of a core during the run`);

  return {
    round: opts.round,
    rps: load.rps,
    requests: load.requests,
    p50_us: load.p50,
    p90_us: load.p90,
    p99_us: load.p99,
    idle_p50_us: probe ? probe.p50 : null,
    idle_p99_us: probe ? probe.p99 : null,
    cpu_us_per_request: rqTotal > 0 ? (c2.envoy - c0.envoy) / rqTotal : NaN,
    rss_bytes: mem.rss,
    rss_peak_bytes: mem.hwm,
    cpu_pct: cpuPct,
    tme_cpu_us_per_request: tme && rqTotal > 0 ? (c2.tme - c0.tme) / rqTotal : null,
    counts,
    problems,
    warnings,
  };
}

/** The upstream's capacity on its own: wrk straight at it, to show it is not what limits the proxies. */
export async function measureDirect(
  stack: Stack,
  script: string,
  connections: number,
  seconds: number,
  placement: Placement,
): Promise<{ rps: number; upstream_cpu_pct: number; errors: number }> {
  const u0 = safeCpu(stack.upstream.pid);
  const r = await startWrk({ url: stack.upstream.url, script, connections, seconds, wrapper: placement.rest }).result;
  const u1 = safeCpu(stack.upstream.pid);
  return { rps: r.rps, upstream_cpu_pct: (100 * (u1 - u0)) / r.durationUs, errors: Object.values(r.errors).reduce((a, b) => a + b, 0) };
}
