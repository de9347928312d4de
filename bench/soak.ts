// Memory soak: N requests with 4 KiB JSON bodies through Envoy running the filter, reporting to the
// TME. Prints Envoy's resident memory after a warm-up and at the end; the filter must not grow it.
//   npm run soak -- [--requests 200000] [--warmup 20000] [--connections 32] [--concurrency 2]
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { startEnvoy, pluginConfigScalar, prometheusStats } from "../host/devstack/envoy.ts";
import { startUpstream } from "../host/devstack/upstream.ts";
import { startTmeProcess } from "../host/devstack/tme.ts";
import { freePort } from "../host/devstack/ports.ts";
import { WASM_PATH } from "../host/devstack/paths.ts";

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

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const body = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b"] })), pad: "" });
const payload = body.slice(0, -2) + "x".repeat(4096 - body.length) + '"}';

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
});
try {
  const pid = envoy.process.pid!;
  console.log(`soak: payload ${payload.length} bytes, ${total} requests, warm-up ${warmup}`);
  const w = await load(envoy.url, warmup);
  const afterWarmup = rssBytes(pid);
  console.log(`soak: warm-up done (${w.rps.toFixed(0)} req/s), Envoy RSS ${(afterWarmup / 2 ** 20).toFixed(1)} MiB`);
  const samples: number[] = [];
  const step = Math.max(1, Math.floor((total - warmup) / 5));
  let bad = w.non2xx + w.errors;
  for (let done = warmup; done < total; done += step) {
    const r = await load(envoy.url, Math.min(step, total - done));
    bad += r.non2xx + r.errors;
    samples.push(rssBytes(pid));
    const wasm = (await prometheusStats(envoy.adminUrl)).get("gatewarden_wasm_memory_bytes") ?? 0;
    console.log(
      `soak: ${Math.min(done + step, total)} requests (${r.rps.toFixed(0)} req/s), Envoy RSS ${(samples.at(-1)! / 2 ** 20).toFixed(1)} MiB, Wasm memory ${(wasm / 2 ** 20).toFixed(2)} MiB`,
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const end = rssBytes(pid);
  const stats = await prometheusStats(envoy.adminUrl);
  const growth = (end - afterWarmup) / afterWarmup;
  console.log(
    `soak: Wasm linear memory of the last worker to tick: ${((stats.get("gatewarden_wasm_memory_bytes") ?? 0) / 2 ** 20).toFixed(2)} MiB`,
  );
  console.log(
    `soak: captured ${stats.get("gatewarden_captured_total")}, reported ${stats.get("gatewarden_reported_total")}, dropped ${stats.get("gatewarden_dropped_total")}, failed requests ${bad}`,
  );
  console.log(
    `soak: Envoy RSS after warm-up ${(afterWarmup / 2 ** 20).toFixed(1)} MiB, at the end ${(end / 2 ** 20).toFixed(1)} MiB, growth ${(growth * 100).toFixed(2)}% (target < 5%)`,
  );
  process.exitCode = bad > 0 || growth >= 0.05 ? 1 : 0;
} finally {
  await envoy.stop();
  await tme.stop();
  await upstream.stop();
}
