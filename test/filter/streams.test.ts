// The module's own stream dispatch (filter/assembly/host/streams.ts), run in-process: the compiled
// build/gatewarden.wasm with its proxy-wasm imports answered by this file. Envoy interleaves the
// callbacks of concurrent streams; each must reach its own context, and a callback for a stream the
// module does not know (deleted, never created) must not trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serializeHeaders } from "../../filter/node/engine.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

const OK = 0, NOT_FOUND = 1;
const REQUEST_HEADERS = 0, RESPONSE_HEADERS = 2, PLUGIN_CONFIGURATION = 7;

function startModule() {
  const config = Buffer.from(JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 }, report: { flushInterval: "10ms" } }));
  const headers = new Map<number, Map<number, Uint8Array>>(); // stream -> map type -> serialized
  const reports: unknown[] = [];
  const logs: string[] = [];
  let current = 0; // the stream whose callback runs
  let clock = 1_000_000_000n;
  let exports: any;
  const view = () => new DataView(exports.memory.buffer);
  const give = (data: Uint8Array, ptrOut: number, sizeOut: number) => {
    const ptr = exports.malloc(data.length);
    new Uint8Array(exports.memory.buffer).set(data, ptr);
    view().setUint32(ptrOut, ptr, true);
    view().setUint32(sizeOut, data.length, true);
    return OK;
  };
  const text = (ptr: number, len: number) => Buffer.from(new Uint8Array(exports.memory.buffer, ptr, len)).toString();
  const env: Record<string, (...args: any[]) => number> = {
    proxy_log: (_level, ptr, len) => (logs.push(text(ptr, len)), OK),
    proxy_set_effective_context: () => OK,
    proxy_define_metric: (_t, _n, _l, idOut) => (view().setUint32(idOut, 1, true), OK),
    proxy_record_metric: () => OK,
    proxy_increment_metric: () => OK,
    proxy_set_tick_period_milliseconds: () => OK,
    proxy_get_current_time_nanoseconds: (out) => (view().setBigUint64(out, clock, true), OK),
    proxy_get_buffer_bytes: (type, start, length, ptrOut, sizeOut) =>
      type === PLUGIN_CONFIGURATION ? give(config.subarray(start, start + length), ptrOut, sizeOut) : NOT_FOUND,
    proxy_get_property: (path, len, ptrOut, sizeOut) =>
      text(path, len) === "plugin_root_id" ? give(Buffer.from("gatewarden"), ptrOut, sizeOut) : NOT_FOUND,
    proxy_get_header_map_pairs: (type, ptrOut, sizeOut) => give(headers.get(current)?.get(type) ?? serializeHeaders([]), ptrOut, sizeOut),
    proxy_get_header_map_value: () => NOT_FOUND,
    proxy_http_call: (...args) => {
      reports.push(JSON.parse(text(args[4], args[5])));
      view().setUint32(args[9], reports.length, true);
      return OK;
    },
    proxy_get_shared_data: () => NOT_FOUND,
    proxy_set_shared_data: () => OK,
    proxy_send_local_response: () => OK,
    proxy_continue_stream: () => OK,
    proxy_add_header_map_value: () => OK,
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(WASM_PATH)), {
    env,
    wasi_unstable: { proc_exit: (code: number) => { throw new Error(`the module exited with ${code}`); } },
  });
  exports = instance.exports;
  exports._initialize();
  exports.proxy_on_context_create(1, 0);
  exports.proxy_on_vm_start(1, 0);
  assert.equal(exports.proxy_on_configure(1, config.length), 1, logs.join("\n"));

  /** Runs one callback as the host does: the stream's headers visible while it runs. */
  const on = (id: number, callback: string, ...args: number[]) => {
    current = id;
    return exports[callback](id, ...args);
  };
  const stream = (id: number, requestId: string, status: string) => {
    headers.set(id, new Map([
      [REQUEST_HEADERS, serializeHeaders([[":method", "GET"], [":path", `/s/${requestId}`], [":authority", "a"], [":scheme", "http"], ["x-request-id", requestId]])],
      [RESPONSE_HEADERS, serializeHeaders([[":status", status]])],
    ]));
  };
  const flush = () => {
    clock += 20_000_000n;
    exports.proxy_on_tick(1);
  };
  return { on, stream, flush, reports };
}

test("interleaved streams each reach their own context, and unknown streams are inert", () => {
  const { on, stream, flush, reports } = startModule();
  stream(2, "first", "201");
  stream(3, "second", "404");
  on(2, "proxy_on_context_create", 1);
  on(3, "proxy_on_context_create", 1);
  // Request headers of both, then the answers in the other order, then both logs.
  assert.equal(on(2, "proxy_on_request_headers", 5, 1), 0);
  assert.equal(on(3, "proxy_on_request_headers", 5, 1), 0);
  assert.equal(on(3, "proxy_on_response_headers", 1, 1), 0);
  assert.equal(on(2, "proxy_on_response_headers", 1, 1), 0);
  for (const id of [3, 2]) {
    on(id, "proxy_on_done");
    on(id, "proxy_on_log");
    on(id, "proxy_on_delete");
  }
  // Callbacks for streams that are gone or never were: no trap, and nothing recorded for them.
  assert.equal(on(2, "proxy_on_request_headers", 5, 1), 0);
  assert.equal(on(99, "proxy_on_response_body", 10, 1), 0);
  on(99, "proxy_on_log");
  on(99, "proxy_on_delete");
  flush();

  const records = (reports as Array<{ records?: unknown[] } | unknown[]>).flatMap((r) => (Array.isArray(r) ? r : (r.records ?? []))) as Array<{
    id: string; request: { path: string }; response: { status: number };
  }>;
  const seen = Object.fromEntries(records.map((r) => [r.id, [r.request.path, r.response.status]]));
  assert.deepEqual(seen, { first: ["/s/first", 201], second: ["/s/second", 404] });
});
