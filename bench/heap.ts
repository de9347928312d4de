// One worker's Wasm heap under the soak's traffic, in the in-process host (host/proxy-wasm/traffic.ts):
// build/gatewarden.wasm on a simulated clock, reports answered `--latency` ms after they went out.
// Prints the linear memory each time it grows; `npm run soak` shows the same figure per worker from
// Envoy, in minutes instead of seconds.
//   npx tsx bench/heap.ts [--exchanges 200000] [--rate 2000] [--latency 100] [--config '{...}'] [--wasm build/gatewarden.wasm]
import { parseArgs } from "node:util";
import { runSoakTraffic } from "../host/proxy-wasm/traffic.ts";
import { WASM_PATH } from "../host/devstack/paths.ts";

const { values } = parseArgs({
  options: {
    exchanges: { type: "string", default: "200000" },
    rate: { type: "string", default: "2000" },
    latency: { type: "string", default: "100" },
    config: { type: "string", default: JSON.stringify({ report: { flushInterval: "200ms" } }) },
    wasm: { type: "string", default: WASM_PATH },
  },
});
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
console.log(`heap: ${values.exchanges} exchanges at ${values.rate}/s, reports answered after ${values.latency} ms`);
const result = runSoakTraffic({
  wasm: values.wasm,
  configuration: JSON.parse(values.config!),
  exchanges: Number(values.exchanges),
  rate: Number(values.rate),
  latencyMs: Number(values.latency),
  onGrow: (i, bytes) => console.log(`heap: after ${i} exchanges, linear memory ${mib(bytes)} MiB`),
});
console.log(`heap: linear memory ${mib(result.memoryBytes)} MiB at the end; reported ${result.reported}, dropped ${result.dropped}`);
