// A TME outage under load, with the filter's default report settings: a steady request rate through Envoy
// (1 KiB JSON POSTs), the TME SIGKILLed after a few seconds and started again (same port, same spool) a
// few seconds later. Prints what the clients saw, what reached the spool, and the filter's counters; the
// target is no lost capture and no failed request at 2,000 requests/s with a 5 s outage.
//   npm run bench:outage -- [--rate 2000] [--outage 5] [--kill-at 3] [--duration 15] [--concurrency 2]
//                           [--max-buffer-bytes N]
import { parseArgs } from "node:util";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { startEnvoy, pluginConfigScalar, prometheusStats } from "../host/devstack/envoy.ts";
import { startUpstream } from "../host/devstack/upstream.ts";
import { startTmeProcess, type TmeProcess } from "../host/devstack/tme.ts";
import { freePort } from "../host/devstack/ports.ts";
import { WASM_PATH } from "../host/devstack/paths.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "2000" },
    outage: { type: "string", default: "5" },
    "kill-at": { type: "string", default: "3" },
    duration: { type: "string", default: "15" },
    concurrency: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    "max-buffer-bytes": { type: "string" },
  },
});
const rate = Number(values.rate);
const outageMs = Number(values.outage) * 1000;
const killAtMs = Number(values["kill-at"]) * 1000;
const duration = Number(values.duration);

const body = JSON.stringify({ items: Array.from({ length: 14 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b"] })), pad: "" });
const payload = body.slice(0, -2) + "x".repeat(Math.max(0, 1024 - body.length)) + '"}';

function spooledRecords(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".jsonl"))) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) if (line.startsWith("{")) n++;
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const spool = mkdtempSync(join(tmpdir(), "gatewarden-outage-"));
const tmeEnv = { TME_SPOOL_FSYNC: "never", TME_SPOOL_DIR: spool };
const httpPort = await freePort();
const grpcPort = await freePort();
const upstream = await startUpstream();
let tme: TmeProcess = await startTmeProcess({ httpPort, grpcPort, env: tmeEnv });
const envoy = await startEnvoy({
  template: "wasm.yaml",
  concurrency: Number(values.concurrency),
  vars: {
    UPSTREAM_PORT: upstream.port,
    TME_HTTP_PORT: httpPort,
    GATEWARDEN_WASM: WASM_PATH,
    // The defaults of the report settings (flush interval, timeout, retry buffer) are what is measured,
    // unless --max-buffer-bytes sizes the retry buffer.
    GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar(
      values["max-buffer-bytes"] === undefined ? {} : { report: { maxBufferBytes: Number(values["max-buffer-bytes"]) } },
    ),
  },
});
try {
  console.log(
    `outage: ${rate} req/s for ${duration} s, ${payload.length}-byte bodies; TME killed at ${killAtMs / 1000} s for ${outageMs / 1000} s; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  const outage = (async () => {
    await sleep(killAtMs);
    tme.process.kill("SIGKILL");
    await sleep(outageMs);
    tme = await startTmeProcess({ httpPort, grpcPort, env: tmeEnv });
  })();
  const result = await autocannon({
    url: `${envoy.url}/outage`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: payload,
    connections: Number(values.connections),
    overallRate: rate,
    duration,
  });
  await outage;
  const answered = result["2xx"];
  // Retried batches drain after the load stops; wait until the spool stops growing.
  let stored = spooledRecords(spool);
  for (let quiet = 0; quiet < 3 && stored < answered; ) {
    await sleep(1000);
    const now = spooledRecords(spool);
    quiet = now === stored ? quiet + 1 : 0;
    stored = now;
  }
  const stats = await prometheusStats(envoy.adminUrl);
  const failed = result.non2xx + result.errors + result.timeouts;
  console.log(`outage: clients: ${answered} answered 2xx (${result.requests.average.toFixed(0)} req/s), ${failed} failed`);
  console.log(
    `outage: spool: ${stored} records, lost ${Math.max(0, answered - stored)} (${((Math.max(0, answered - stored) / answered) * 100).toFixed(2)}%)`,
  );
  console.log(
    `outage: filter: captured ${stats.get("gatewarden_captured_total")}, reported ${stats.get("gatewarden_reported_total")}, dropped ${stats.get("gatewarden_dropped_total") ?? 0}, report failures ${stats.get("gatewarden_report_failures_total") ?? 0}, Wasm memory of the last worker to tick ${((stats.get("gatewarden_wasm_memory_bytes") ?? 0) / 2 ** 20).toFixed(1)} MiB`,
  );
  process.exitCode = failed > 0 || stored < answered ? 1 : 0;
} finally {
  await envoy.stop();
  await tme.stop();
  await upstream.stop();
  rmSync(spool, { recursive: true, force: true });
}
