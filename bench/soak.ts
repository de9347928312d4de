// Memory soak: N requests with 4 KiB JSON bodies through Envoy running the filter, reporting to the
// TME. Prints Envoy's resident memory after a warm-up and at each fifth of the run, and the Wasm heap of
// each VM (the filter logs its linear memory each time it grows; Envoy's log names the thread). Fails
// when RSS grows 5% after the warm-up, 1% after 200,000 requests, or a VM's heap exceeds 8 MiB.
//   npm run soak -- [--requests 200000] [--warmup 20000] [--connections 32] [--concurrency 2]
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { startEnvoy, pluginConfigScalar, prometheusStats } from "../host/devstack/envoy.ts";
import { startUpstream } from "../host/devstack/upstream.ts";
import { startTmeProcess } from "../host/devstack/tme.ts";
import { freePort } from "../host/devstack/ports.ts";
import { WASM_PATH } from "../host/devstack/paths.ts";
import { soakRequestBody } from "../host/proxy-wasm/traffic.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "200000" },
    warmup: { type: "string", default: "20000" },
    connections: { type: "string", default: "32" },
    concurrency: { type: "string", default: "2" },
  },
});
const total = Number(values.requests);
const warmup = Number(values.warmup);

const HEAP_TARGET = 8 * 2 ** 20;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The last Wasm memory each Envoy thread's VM logged, by thread id. */
function heapsByThread(log: string): Map<string, number> {
  const heaps = new Map<string, number>();
  for (const m of log.matchAll(/\[(\d+)\]\[info\]\[wasm\].*gatewarden: Wasm memory (\d+) bytes/g)) heaps.set(m[1], Number(m[2]));
  return heaps;
}

const heapLine = (heaps: Map<string, number>) => [...heaps].map(([thread, bytes]) => `thread ${thread} ${mib(bytes)} MiB`).join(", ");

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const payload = soakRequestBody();

async function load(url: string, amount: number): Promise<{ non2xx: number; errors: number; rps: number }> {
  const result = await autocannon({
    url: `${url}/soak?x=1`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: payload,
    connections: Number(values.connections),
    amount,
  });
  return { non2xx: result.non2xx, errors: result.errors, rps: result.requests.average };
}

const upstream = await startUpstream();
const tme = await startTmeProcess({
  httpPort: await freePort(),
  env: { TME_SPOOL_FSYNC: "never", TME_SPOOL_DIR: "/tmp/gatewarden-soak-spool" },
});
const envoy = await startEnvoy({
  template: "wasm.yaml",
  concurrency: Number(values.concurrency),
  vars: {
    UPSTREAM_PORT: upstream.port,
    TME_HTTP_PORT: tme.httpPort,
    GATEWARDEN_WASM: WASM_PATH,
    GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar({ report: { flushInterval: "200ms" } }),
  },
  // The filter's Wasm memory lines are info.
  logLevel: "info",
});
try {
  const pid = envoy.process.pid!;
  console.log(`soak: payload ${payload.length} bytes, ${total} requests, warm-up ${warmup}`);
  const w = await load(envoy.url, warmup);
  const afterWarmup = rssBytes(pid);
  console.log(`soak: warm-up done (${w.rps.toFixed(0)} req/s), Envoy RSS ${mib(afterWarmup)} MiB`);
  const samples: Array<{ done: number; rss: number }> = [];
  const step = Math.max(1, Math.floor((total - warmup) / 5));
  let bad = w.non2xx + w.errors;
  for (let done = warmup; done < total; done += step) {
    const r = await load(envoy.url, Math.min(step, total - done));
    bad += r.non2xx + r.errors;
    samples.push({ done: Math.min(done + step, total), rss: rssBytes(pid) });
    console.log(
      `soak: ${samples.at(-1)!.done} requests (${r.rps.toFixed(0)} req/s), Envoy RSS ${mib(samples.at(-1)!.rss)} MiB, Wasm memory per VM: ${heapLine(heapsByThread(envoy.output()))}`,
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const end = rssBytes(pid);
  const stats = await prometheusStats(envoy.adminUrl);
  const heaps = heapsByThread(envoy.output());
  const growth = (end - afterWarmup) / afterWarmup;
  console.log(`soak: Wasm memory per VM (the main thread's and each worker's): ${heapLine(heaps)} (target <= ${mib(HEAP_TARGET)} MiB)`);
  console.log(
    `soak: captured ${stats.get("gatewarden_captured_total")}, reported ${stats.get("gatewarden_reported_total")}, dropped ${stats.get("gatewarden_dropped_total")}, failed requests ${bad}`,
  );
  console.log(
    `soak: Envoy RSS after warm-up ${mib(afterWarmup)} MiB, at the end ${mib(end)} MiB, growth ${(growth * 100).toFixed(2)}% (target < 5%)`,
  );
  // The steady-state figure: from the first sample at 200,000 requests on.
  const from = samples.find((s) => s.done >= 200_000 && s.done < total);
  const lateGrowth = from ? (end - from.rss) / from.rss : 0;
  if (from) {
    console.log(
      `soak: Envoy RSS at ${from.done} requests ${mib(from.rss)} MiB, growth to the end ${(lateGrowth * 100).toFixed(2)}% (target < 1%)`,
    );
  }
  const heapTooBig = heaps.size === 0 || [...heaps.values()].some((b) => b > HEAP_TARGET);
  process.exitCode = bad > 0 || growth >= 0.05 || lateGrowth >= 0.01 || heapTooBig ? 1 : 0;
} finally {
  await envoy.stop();
  await tme.stop();
  await upstream.stop();
}
