// Runs build/gatewarden.wasm outside Envoy, in the in-process proxy-wasm host (host/proxy-wasm/host.ts),
// and drives the per-request callbacks of one typical exchange (a 1 KiB JSON POST and a small JSON
// answer, as in `npm run bench`). What the filter's own code costs, without Envoy's share and without
// the noise of a shared machine.
//   node --import tsx bench/filter-sim/host.ts [wasm] [requests] [plugin config JSON] [post | get]
// `get`: a GET without a body (the same request headers minus the body's) and the same answer.
// With GATEWARDEN_SIM_COUNT_CALLS=1 it prints the host calls per exchange as JSON instead (a separate
// run, so counting costs nothing in the callgrind runs).
import { fileURLToPath } from "node:url";
import { ProxyWasmHost, serializeHeaders, type StreamData } from "../../host/proxy-wasm/host.ts";
import { jsonOfExactSize } from "../lib/payloads.ts";

const wasmPath = process.argv[2] || fileURLToPath(new URL("../../build/gatewarden.wasm", import.meta.url));
const requests = Number(process.argv[3] || 20000);
const configuration = process.argv[4] || JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 } });
const get = process.argv[5] === "get";
const countCalls = process.env.GATEWARDEN_SIM_COUNT_CALLS === "1";
const encoder = new TextEncoder();

// The benchmark's 1 KiB JSON POST, byte for byte.
const requestBody = encoder.encode(jsonOfExactSize(1024));
const responseBody = encoder.encode('{"ok":true,"id":"4f2c9a","items":[1,2,3]}');
// One exchange's headers, serialized once and shared by every stream.
const exchangeData: StreamData = {
  requestHeaders: serializeHeaders([
    [":authority", "127.0.0.1:10000"],
    [":path", "/api/orders?id=7"],
    [":method", get ? "GET" : "POST"],
    [":scheme", "http"],
    ...(get
      ? []
      : ([
          ["content-type", "application/json"],
          ["content-length", String(requestBody.length)],
        ] as Array<[string, string]>)),
    ["user-agent", "wrk"],
    ["x-forwarded-proto", "http"],
    ["x-request-id", "8f2c1a9e-1234-4abc-9def-0123456789ab"],
  ]),
  responseHeaders: serializeHeaders([
    [":status", "200"],
    ["content-type", "application/json"],
    ["content-length", String(responseBody.length)],
    ["date", "Sun, 22 Nov 2026 02:00:00 GMT"],
    ["server", "envoy"],
    ["x-envoy-upstream-service-time", "1"],
  ]),
};
const statusCode = new Uint8Array(8);
new DataView(statusCode.buffer).setBigInt64(0, 200n, true);

const host = new ProxyWasmHost({
  wasm: wasmPath,
  configuration,
  properties: new Map([
    ["source\0address", encoder.encode("127.0.0.1:50000")],
    ["request\0protocol", encoder.encode("HTTP/1.1")],
    ["response\0code", statusCode],
  ]),
  countCalls,
});
if (!host.start()) throw new Error(`the plugin refused its configuration: ${host.logs.map((l) => l.message).join("\n")}`);

function exchange(id: number): void {
  host.exchange(id, exchangeData, get ? undefined : requestBody, responseBody);
}

/** The reports of the last 100 exchanges go out and the TME takes them. */
function tick(): void {
  host.tick();
  while (host.pendingCalls.length > 0) host.answer(host.pendingCalls[0], 200);
}

for (let i = 0; i < 2000; i++) exchange(2 + i);
host.callsPerImport.clear();
const started = process.hrtime.bigint();
for (let i = 0; i < requests; i++) {
  exchange(10_000 + i);
  if (i % 100 === 99) tick();
}
const micros = Number(process.hrtime.bigint() - started) / 1000 / requests;
if (countCalls) {
  console.log(JSON.stringify(Object.fromEntries([...host.callsPerImport].map(([name, n]) => [name, n / requests]))));
} else
  console.log(
    `filter-sim: ${requests} exchanges, ${micros.toFixed(2)} µs each in the module, linear memory ${(host.exports.memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB`,
  );
