// Runs build/gatewarden.wasm outside Envoy: the proxy-wasm imports are answered by this small host,
// and a loop drives the per-request callbacks of one typical exchange (a 1 KiB JSON POST and a small
// JSON answer, as in `npm run bench`). What the filter's own code costs, without Envoy's share and
// without the noise of a shared machine.
//   node --import tsx bench/filter-sim/host.ts [wasm] [requests] [plugin config JSON] [post | get]
// `get`: a GET without a body (the same request headers minus the body's) and the same answer.
// With GATEWARDEN_SIM_COUNT_CALLS=1 it prints the host calls per exchange as JSON instead (a separate
// run, so counting costs nothing in the callgrind runs).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serializeHeaders } from "../../filter/node/engine.ts";
import { jsonOfExactSize } from "../lib/payloads.ts";

const wasmPath = process.argv[2] || fileURLToPath(new URL("../../build/gatewarden.wasm", import.meta.url));
const requests = Number(process.argv[3] || 20000);
const config = Buffer.from(process.argv[4] || JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 } }));
const get = process.argv[5] === "get";
const encoder = new TextEncoder();

// proxy-wasm enum values used below.
const OK = 0, NOT_FOUND = 1;
const REQUEST_BODY = 0, RESPONSE_BODY = 1, PLUGIN_CONFIGURATION = 7;
const REQUEST_HEADERS = 0, RESPONSE_HEADERS = 2, CALLOUT_RESPONSE_HEADERS = 6;

// The benchmark's 1 KiB JSON POST, byte for byte.
const requestBody = encoder.encode(jsonOfExactSize(1024));
const responseBody = encoder.encode('{"ok":true,"id":"4f2c9a","items":[1,2,3]}');
const requestHeaderPairs: Array<[string, string]> = [
  [":authority", "127.0.0.1:10000"], [":path", "/api/orders?id=7"], [":method", get ? "GET" : "POST"], [":scheme", "http"],
  ...(get ? [] : [["content-type", "application/json"], ["content-length", String(requestBody.length)]] as Array<[string, string]>),
  ["user-agent", "wrk"], ["x-forwarded-proto", "http"], ["x-request-id", "8f2c1a9e-1234-4abc-9def-0123456789ab"],
];
const requestHeaders = serializeHeaders(requestHeaderPairs);
const responseHeaders = serializeHeaders([
  [":status", "200"], ["content-type", "application/json"], ["content-length", String(responseBody.length)],
  ["date", "Sun, 22 Nov 2026 02:00:00 GMT"], ["server", "envoy"], ["x-envoy-upstream-service-time", "1"],
]);
const statusCode = new Uint8Array(8);
new DataView(statusCode.buffer).setBigInt64(0, 200n, true);
const properties = new Map<string, Uint8Array>([
  ["plugin_root_id", encoder.encode("gatewarden")],
  ["source\0address", encoder.encode("127.0.0.1:50000")],
  ["request\0protocol", encoder.encode("HTTP/1.1")],
  ["response\0code", statusCode],
]);

// eslint-free loose typing: this file speaks the raw ABI.
let exports: any;
const bytes = () => new Uint8Array(exports.memory.buffer);
const view = () => new DataView(exports.memory.buffer);
const text = (ptr: number, len: number) => Buffer.from(bytes().subarray(ptr, ptr + len)).toString();
/** Hands `data` to the module the way a host does: memory from its malloc, pointer and size written out. */
function give(data: Uint8Array, ptrOut: number, sizeOut: number): number {
  const ptr = exports.malloc(data.length);
  bytes().set(data, ptr);
  view().setUint32(ptrOut, ptr, true);
  view().setUint32(sizeOut, data.length, true);
  return OK;
}

let nextToken = 1;
const callouts: number[] = [];
// Methods, not arrow functions: V8 then names each in its perf map, which bench/filter-sim/callgrind.ts
// reads to count what the host's JavaScript behind each import costs.
const env: Record<string, (...args: any[]) => number> = {
  proxy_log() { return OK; },
  proxy_set_effective_context() { return OK; },
  proxy_define_metric(_type, _name, _len, idOut) { view().setUint32(idOut, 1, true); return OK; },
  proxy_record_metric() { return OK; },
  proxy_increment_metric() { return OK; },
  proxy_set_tick_period_milliseconds() { return OK; },
  proxy_get_current_time_nanoseconds(out) { view().setBigUint64(out, process.hrtime.bigint(), true); return OK; },
  proxy_get_buffer_bytes(type, start, length, ptrOut, sizeOut) {
    const source = type === PLUGIN_CONFIGURATION ? config : type === REQUEST_BODY ? requestBody : type === RESPONSE_BODY ? responseBody : new Uint8Array(0);
    return give(source.subarray(start, start + length), ptrOut, sizeOut);
  },
  proxy_get_property(path, len, ptrOut, sizeOut) {
    const value = properties.get(text(path, len));
    return value ? give(value, ptrOut, sizeOut) : NOT_FOUND;
  },
  proxy_get_header_map_pairs(type, ptrOut, sizeOut) {
    return give(type === REQUEST_HEADERS ? requestHeaders : type === RESPONSE_HEADERS ? responseHeaders : serializeHeaders([]), ptrOut, sizeOut);
  },
  proxy_get_header_map_value(type, key, len, ptrOut, sizeOut) {
    return type === CALLOUT_RESPONSE_HEADERS && text(key, len) === ":status" ? give(encoder.encode("200"), ptrOut, sizeOut) : NOT_FOUND;
  },
  proxy_http_call(...args) {
    view().setUint32(args[9], nextToken, true);
    callouts.push(nextToken++);
    return OK;
  },
  proxy_get_shared_data() { return NOT_FOUND; },
  proxy_set_shared_data() { return OK; },
  proxy_send_local_response() { return OK; },
  proxy_continue_stream() { return OK; },
  proxy_add_header_map_value() { return OK; },
};

const callsPerImport = new Map<string, number>();
if (process.env.GATEWARDEN_SIM_COUNT_CALLS === "1") {
  for (const [name, fn] of Object.entries(env)) env[name] = (...args) => (callsPerImport.set(name, (callsPerImport.get(name) ?? 0) + 1), fn(...args));
}

const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
  env,
  wasi_unstable: { proc_exit: (code: number) => { throw new Error(`the module exited with ${code}`); } },
});
exports = instance.exports;
exports._initialize();
exports.proxy_on_context_create(1, 0);
exports.proxy_on_vm_start(1, 0);
if (!exports.proxy_on_configure(1, config.length)) throw new Error("the plugin refused its configuration");

function exchange(id: number): void {
  exports.proxy_on_context_create(id, 1);
  exports.proxy_on_request_headers(id, requestHeaderPairs.length, get ? 1 : 0);
  if (!get) exports.proxy_on_request_body(id, requestBody.length, 1);
  exports.proxy_on_response_headers(id, 6, 0);
  exports.proxy_on_response_body(id, responseBody.length, 1);
  exports.proxy_on_done(id);
  exports.proxy_on_log(id);
  exports.proxy_on_delete(id);
}

function tick(): void {
  exports.proxy_on_tick(1);
  while (callouts.length > 0) exports.proxy_on_http_call_response(1, callouts.shift(), 1, 2, 0);
}

for (let i = 0; i < 2000; i++) exchange(2 + i);
callsPerImport.clear();
const started = process.hrtime.bigint();
for (let i = 0; i < requests; i++) {
  exchange(10_000 + i);
  if (i % 100 === 99) tick();
}
const micros = Number(process.hrtime.bigint() - started) / 1000 / requests;
if (process.env.GATEWARDEN_SIM_COUNT_CALLS === "1") {
  console.log(JSON.stringify(Object.fromEntries([...callsPerImport].map(([name, n]) => [name, n / requests]))));
} else console.log(`filter-sim: ${requests} exchanges, ${micros.toFixed(2)} µs each in the module, linear memory ${(exports.memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB`);
