// An in-process proxy-wasm host: runs a filter module (build/gatewarden.wasm, the floor module) in Node
// and answers its imports the way Envoy's host does for what the filter uses — per-stream header maps
// and bodies, the effective context, HTTP callouts and their answers, local replies, continuing a
// stream, shared data with compare-and-swap, metrics. The lifecycle tests (test/filter/) drive a stream's
// callbacks through it and assert on what the module asked of the host; the instruction benchmark
// (bench/filter-sim/) runs the same host under callgrind.
//
// Envoy's behaviour it keeps, because the module's lifecycle depends on it:
// - a body answered with StopIterationAndBuffer is buffered, and the next body callback sees everything
//   buffered so far;
// - the effective context is the stream whose callback runs, the root during ticks and callout answers,
//   and `proxy_set_effective_context` fails (BadArgument) for a context the host deleted — a callout
//   answered after its stream was reset cannot act on that stream;
// - a stream ends the same way whether it completed or was reset: on_done, on_log, on_delete.
import { readFileSync } from "node:fs";
import { serializeHeaders } from "../../filter/node/engine.ts";

export type HeaderPairs = Array<[string, string]>;

// proxy-wasm ABI 0.2 values.
const OK = 0,
  NOT_FOUND = 1,
  BAD_ARGUMENT = 2,
  CAS_MISMATCH = 8;
const REQUEST_BODY = 0,
  RESPONSE_BODY = 1,
  CALLOUT_RESPONSE_BODY = 4,
  PLUGIN_CONFIGURATION = 7;
const REQUEST_HEADERS = 0,
  REQUEST_TRAILERS = 1,
  RESPONSE_HEADERS = 2,
  RESPONSE_TRAILERS = 3;
const CALLOUT_RESPONSE_HEADERS = 6;
export const FilterHeadersStatus = { Continue: 0, StopIteration: 1 } as const;
export const FilterDataStatus = { Continue: 0, StopIterationAndBuffer: 1, StopIterationNoBuffer: 3 } as const;
const STOP_ITERATION_AND_BUFFER = 1;

const EMPTY = new Uint8Array(0);
const NO_HEADERS = serializeHeaders([]);

/** What the host holds for one HTTP stream. Serialized header maps, as the module reads them. */
export interface StreamData {
  requestHeaders: Uint8Array;
  responseHeaders?: Uint8Array;
  requestTrailers?: Uint8Array;
  responseTrailers?: Uint8Array;
}

/** A stream's serialized header (or trailer) map of the given map type, if it has one. */
function streamMap(data: StreamData | undefined, type: number): Uint8Array | undefined {
  if (type === REQUEST_HEADERS) return data?.requestHeaders;
  if (type === RESPONSE_HEADERS) return data?.responseHeaders;
  if (type === REQUEST_TRAILERS) return data?.requestTrailers;
  if (type === RESPONSE_TRAILERS) return data?.responseTrailers;
  return undefined;
}

/** A body as the next body callback shows it: one chunk, or all buffered so far. */
interface Body {
  shown: Uint8Array;
  buffered: boolean;
}

interface Stream {
  data: StreamData;
  request: Body;
  response: Body;
}

/** A call the module dispatched with proxy_http_call, waiting for `answer` or `fail`. */
export interface HttpCall {
  token: number;
  /** The context effective when the module dispatched it. */
  context: number;
  cluster: string;
  headers: HeaderPairs;
  body: Buffer;
  timeoutMs: number;
}

export interface LocalReply {
  context: number;
  status: number;
  details: string;
  body: string;
  headers: HeaderPairs;
}

export interface HostOptions {
  /** Path or bytes of the module; build/gatewarden.wasm when absent. */
  wasm?: string | Uint8Array<ArrayBuffer>;
  /** The plugin configuration (JSON). */
  configuration: string | Uint8Array;
  /** Properties by NUL-separated path ("source\0address"); plugin_root_id defaults to "gatewarden". */
  properties?: Map<string, Uint8Array>;
  /** The host clock in nanoseconds; the wall clock when absent. */
  now?: () => bigint;
  /** Counts the calls to each import (the benchmark's calls per exchange). */
  countCalls?: boolean;
}

const encoder = new TextEncoder();
const DEFAULT_WASM = new URL("../../build/gatewarden.wasm", import.meta.url);

/** The serialized header map format of proxy-wasm: count, then (name size, value size) pairs, then NUL-ended strings. */
export function parseHeaders(bytes: Uint8Array): HeaderPairs {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const pairs: HeaderPairs = [];
  let at = 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint32(4 + i * 8, true);
    const valueLength = view.getUint32(8 + i * 8, true);
    const name = Buffer.from(bytes.subarray(at, at + nameLength)).toString();
    at += nameLength + 1;
    const value = Buffer.from(bytes.subarray(at, at + valueLength)).toString();
    at += valueLength + 1;
    pairs.push([name, value]);
  }
  return pairs;
}

export class ProxyWasmHost {
  readonly rootId = 1;
  readonly exports: any;
  readonly logs: Array<{ level: number; message: string }> = [];
  /** Calls dispatched and not answered yet, in order. */
  readonly pendingCalls: HttpCall[] = [];
  readonly localReplies: LocalReply[] = [];
  /** proxy_continue_stream calls: the context they acted on and the stream type (0 request, 1 response). */
  readonly continued: Array<{ context: number; stream: number }> = [];
  readonly metrics = new Map<number, { name: string; value: bigint }>();
  readonly sharedData = new Map<string, { value: Uint8Array; cas: number }>();
  readonly callsPerImport = new Map<string, number>();
  /** The context whose callback runs, or the one the module made effective. */
  effectiveContext = 0;

  private readonly streams = new Map<number, Stream>();
  private readonly configuration: Uint8Array;
  private readonly properties: Map<string, Uint8Array>;
  private calloutHeaders: Uint8Array = NO_HEADERS;
  private calloutBody: Uint8Array = EMPTY;

  constructor(options: HostOptions) {
    this.configuration = typeof options.configuration === "string" ? encoder.encode(options.configuration) : options.configuration;
    this.properties = new Map(options.properties);
    if (!this.properties.has("plugin_root_id")) this.properties.set("plugin_root_id", encoder.encode("gatewarden"));
    const now = options.now ?? (() => process.hrtime.bigint());
    const wasm = options.wasm instanceof Uint8Array ? options.wasm : readFileSync(options.wasm ?? DEFAULT_WASM);
    const env = this.imports(now);
    if (options.countCalls) {
      for (const [name, fn] of Object.entries(env)) {
        env[name] = (...args) => (this.callsPerImport.set(name, (this.callsPerImport.get(name) ?? 0) + 1), fn(...args));
      }
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), {
      env,
      wasi_unstable: {
        proc_exit: (code: number) => {
          throw new Error(`the module exited with ${code}`);
        },
      },
    });
    this.exports = instance.exports;
  }

  /** Starts the VM and the root context and hands it the configuration; false when the plugin refused it. */
  start(): boolean {
    const x = this.exports;
    x._initialize();
    this.effectiveContext = this.rootId;
    x.proxy_on_context_create(this.rootId, 0);
    x.proxy_on_vm_start(this.rootId, 0);
    return x.proxy_on_configure(this.rootId, this.configuration.length) !== 0;
  }

  // The imports. Methods, not arrow functions: V8 then names each in its perf map, which
  // bench/filter-sim/callgrind.ts reads to count what the host's JavaScript behind each import costs.
  private imports(now: () => bigint): Record<string, (...args: any[]) => number> {
    const host = this;
    const memory = () => new Uint8Array(host.exports.memory.buffer);
    const view = () => new DataView(host.exports.memory.buffer);
    const text = (ptr: number, len: number) => Buffer.from(memory().subarray(ptr, ptr + len)).toString();
    const bytes = (ptr: number, len: number) => Buffer.from(memory().slice(ptr, ptr + len));
    /** Hands `data` to the module as a host does: memory from its malloc, pointer and size written out. */
    const give = (data: Uint8Array, ptrOut: number, sizeOut: number): number => {
      const ptr = host.exports.malloc(data.length);
      memory().set(data, ptr);
      view().setUint32(ptrOut, ptr, true);
      view().setUint32(sizeOut, data.length, true);
      return OK;
    };
    let nextToken = 1;
    let nextMetric = 1;
    return {
      proxy_log(level, ptr, len) {
        host.logs.push({ level, message: text(ptr, len) });
        return OK;
      },
      proxy_set_effective_context(id) {
        if (id !== host.rootId && !host.streams.has(id)) return BAD_ARGUMENT;
        host.effectiveContext = id;
        return OK;
      },
      proxy_define_metric(_type, name, len, idOut) {
        const id = nextMetric++;
        host.metrics.set(id, { name: text(name, len), value: 0n });
        view().setUint32(idOut, id, true);
        return OK;
      },
      proxy_record_metric(id, value) {
        const m = host.metrics.get(id);
        if (!m) return NOT_FOUND;
        m.value = BigInt.asUintN(64, value);
        return OK;
      },
      proxy_increment_metric(id, offset) {
        const m = host.metrics.get(id);
        if (!m) return NOT_FOUND;
        m.value += offset;
        return OK;
      },
      proxy_set_tick_period_milliseconds() {
        return OK;
      },
      proxy_get_current_time_nanoseconds(out) {
        view().setBigUint64(out, now(), true);
        return OK;
      },
      proxy_get_buffer_bytes(type, start, length, ptrOut, sizeOut) {
        const stream = host.streams.get(host.effectiveContext);
        const source =
          type === PLUGIN_CONFIGURATION
            ? host.configuration
            : type === CALLOUT_RESPONSE_BODY
              ? host.calloutBody
              : type === REQUEST_BODY
                ? stream?.request.shown
                : type === RESPONSE_BODY
                  ? stream?.response.shown
                  : undefined;
        if (source === undefined) return NOT_FOUND;
        return give(source.subarray(start, start + length), ptrOut, sizeOut);
      },
      proxy_get_property(path, len, ptrOut, sizeOut) {
        const value = host.properties.get(text(path, len));
        return value ? give(value, ptrOut, sizeOut) : NOT_FOUND;
      },
      proxy_get_header_map_pairs(type, ptrOut, sizeOut) {
        return give(host.headerMap(type), ptrOut, sizeOut);
      },
      proxy_get_header_map_value(type, key, len, ptrOut, sizeOut) {
        const name = text(key, len);
        const found = parseHeaders(host.headerMap(type)).find(([n]) => n === name);
        return found ? give(encoder.encode(found[1]), ptrOut, sizeOut) : NOT_FOUND;
      },
      proxy_http_call(cluster, clusterLen, headers, headersLen, body, bodyLen, _trailers, _trailersLen, timeoutMs, tokenOut) {
        const token = nextToken++;
        host.pendingCalls.push({
          token,
          context: host.effectiveContext,
          cluster: text(cluster, clusterLen),
          headers: parseHeaders(bytes(headers, headersLen)),
          body: bytes(body, bodyLen),
          timeoutMs,
        });
        view().setUint32(tokenOut, token, true);
        return OK;
      },
      proxy_get_shared_data(key, keyLen, ptrOut, sizeOut, casOut) {
        const entry = host.sharedData.get(text(key, keyLen));
        if (!entry) return NOT_FOUND;
        view().setUint32(casOut, entry.cas, true);
        return give(entry.value, ptrOut, sizeOut);
      },
      proxy_set_shared_data(key, keyLen, value, valueLen, cas) {
        const name = text(key, keyLen);
        const entry = host.sharedData.get(name);
        // A cas of 0 writes unconditionally; any other must match the value's current one.
        if (cas !== 0 && entry !== undefined && entry.cas !== cas) return CAS_MISMATCH;
        host.sharedData.set(name, { value: bytes(value, valueLen), cas: (entry?.cas ?? 0) + 1 });
        return OK;
      },
      proxy_send_local_response(status, details, detailsLen, body, bodyLen, headers, headersLen) {
        host.localReplies.push({
          context: host.effectiveContext,
          status,
          details: text(details, detailsLen),
          body: text(body, bodyLen),
          headers: parseHeaders(bytes(headers, headersLen)),
        });
        return OK;
      },
      proxy_continue_stream(stream) {
        host.continued.push({ context: host.effectiveContext, stream });
        return OK;
      },
    };
  }

  private headerMap(type: number): Uint8Array {
    if (type === CALLOUT_RESPONSE_HEADERS) return this.calloutHeaders;
    return streamMap(this.streams.get(this.effectiveContext)?.data, type) ?? NO_HEADERS;
  }

  /** Runs a callback of context `id` by its export name, effective while it runs, as the host does. */
  on(id: number, callback: string, ...args: number[]): number {
    this.effectiveContext = id;
    return this.exports[callback](id, ...args);
  }

  /** A new HTTP stream: its headers (serialized once, see `headers`) and the module's context for it. */
  open(id: number, data: StreamData): void {
    this.streams.set(id, { data, request: { shown: EMPTY, buffered: false }, response: { shown: EMPTY, buffered: false } });
    this.on(id, "proxy_on_context_create", this.rootId);
  }

  requestHeaders(id: number, endOfStream: boolean): number {
    return this.on(id, "proxy_on_request_headers", this.headerCount(id, REQUEST_HEADERS), endOfStream ? 1 : 0);
  }

  /** One chunk of the request body; after StopIterationAndBuffer the module sees it appended to the buffer. */
  requestBody(id: number, chunk: Uint8Array, endOfStream: boolean): number {
    return this.body(id, this.stream(id).request, "proxy_on_request_body", chunk, endOfStream);
  }

  requestTrailers(id: number): number {
    return this.on(id, "proxy_on_request_trailers", this.headerCount(id, REQUEST_TRAILERS));
  }

  responseHeaders(id: number, endOfStream: boolean): number {
    return this.on(id, "proxy_on_response_headers", this.headerCount(id, RESPONSE_HEADERS), endOfStream ? 1 : 0);
  }

  responseBody(id: number, chunk: Uint8Array, endOfStream: boolean): number {
    return this.body(id, this.stream(id).response, "proxy_on_response_body", chunk, endOfStream);
  }

  private body(id: number, body: Body, callback: string, chunk: Uint8Array, endOfStream: boolean): number {
    body.shown = body.buffered ? Buffer.concat([body.shown, chunk]) : chunk;
    const status = this.on(id, callback, body.shown.length, endOfStream ? 1 : 0);
    body.buffered = status === STOP_ITERATION_AND_BUFFER;
    return status;
  }

  /** The end of a stream, completed or reset (the client left): on_done, on_log, on_delete, then the host forgets it. */
  close(id: number): void {
    this.on(id, "proxy_on_done");
    this.on(id, "proxy_on_log");
    this.on(id, "proxy_on_delete");
    this.streams.delete(id);
  }

  /** A whole exchange, each body in one chunk (no request body: `request` undefined, headers end the request), from open to close. */
  exchange(id: number, data: StreamData, request: Uint8Array | undefined, response: Uint8Array): void {
    this.open(id, data);
    this.requestHeaders(id, request === undefined);
    if (request !== undefined) this.requestBody(id, request, true);
    this.responseHeaders(id, false);
    this.responseBody(id, response, true);
    this.close(id);
  }

  tick(): void {
    this.on(this.rootId, "proxy_on_tick");
  }

  /** Answers a dispatched call; it arrives at the root context, which the module may leave for the caller's. */
  answer(call: HttpCall, status: number, body: string | Uint8Array = EMPTY, headers: HeaderPairs = []): void {
    this.settle(call);
    this.calloutHeaders = serializeHeaders([[":status", String(status)], ...headers]);
    this.calloutBody = typeof body === "string" ? encoder.encode(body) : body;
    this.on(this.rootId, "proxy_on_http_call_response", call.token, headers.length + 1, this.calloutBody.length, 0);
  }

  /** A call that failed or timed out: the answer carries no headers and no body. */
  fail(call: HttpCall): void {
    this.settle(call);
    this.calloutHeaders = NO_HEADERS;
    this.calloutBody = EMPTY;
    this.on(this.rootId, "proxy_on_http_call_response", call.token, 0, 0, 0);
  }

  /** The value of a metric by name (0 when never defined). */
  metric(name: string): bigint {
    for (const m of this.metrics.values()) if (m.name === name) return m.value;
    return 0n;
  }

  private settle(call: HttpCall): void {
    const i = this.pendingCalls.indexOf(call);
    if (i < 0) throw new Error(`call ${call.token} is not pending`);
    this.pendingCalls.splice(i, 1);
  }

  private stream(id: number): Stream {
    const s = this.streams.get(id);
    if (!s) throw new Error(`stream ${id} is not open`);
    return s;
  }

  private headerCount(id: number, type: number): number {
    const map = streamMap(this.streams.get(id)?.data, type);
    return map ? new DataView(map.buffer, map.byteOffset).getUint32(0, true) : 0;
  }
}

export { serializeHeaders };
