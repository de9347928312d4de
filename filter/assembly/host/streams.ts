// The proxy-wasm callbacks of HTTP streams, dispatched straight to our contexts. The SDK's exports look
// a stream up in its context Map twice on every callback (has, then get) and its root twice more when
// the stream is created; here the stream whose callbacks come in a row (the usual case: Envoy runs one
// stream's filter chain step at a time) is found by comparing one id, else by one Map lookup. Roots,
// configuration, ticks and callouts stay with the SDK (index.ts), as do the Context classes, so a
// filter keeps its method names (onRequestHeaders, onLog, ...).
import {
  BaseContext,
  Context,
  RootContext,
  deleteContext,
  getBaseContext,
  getRootContext,
  ensureRootContext,
} from "@solo-io/proxy-runtime/assembly/runtime";

const streams = new Map<u32, Context>();
let lastId: u32 = 0;
let last: Context | null = null;
let lastRootId: u32 = 0;
let lastRoot: RootContext | null = null;
// The host can call back for a stream we no longer know: a Map lookup of a missing key would trap and
// kill the VM, so such calls go to an inert context.
let orphan: Context | null = null;

function stream(id: u32): Context {
  const cached = last;
  if (id == lastId && cached !== null) return cached;
  if (!streams.has(id)) {
    if (orphan === null) orphan = new Context(0, new RootContext(0));
    return orphan!;
  }
  const ctx = streams.get(id);
  lastId = id;
  last = ctx;
  return ctx;
}

function root(id: u32): RootContext {
  const cached = lastRoot;
  if (id == lastRootId && cached !== null) return cached;
  const r = getRootContext(id);
  lastRootId = id;
  lastRoot = r;
  return r;
}

export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  if (root_context_id == 0) {
    ensureRootContext(context_id);
    return;
  }
  if (streams.has(context_id)) return;
  const ctx = root(root_context_id).createContext(context_id);
  streams.set(context_id, ctx);
  lastId = context_id;
  last = ctx;
}

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  return stream(context_id).onRequestHeaders(headers, end_of_stream != 0);
}

export function proxy_on_request_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  return stream(context_id).onRequestBody(body_buffer_length, end_of_stream != 0);
}

export function proxy_on_request_trailers(context_id: u32, trailers: u32): i32 {
  return stream(context_id).onRequestTrailers(trailers);
}

export function proxy_on_request_metadata(context_id: u32, nelements: u32): i32 {
  return stream(context_id).onRequestMetadata(nelements);
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  return stream(context_id).onResponseHeaders(headers, end_of_stream != 0);
}

export function proxy_on_response_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  return stream(context_id).onResponseBody(body_buffer_length, end_of_stream != 0);
}

export function proxy_on_response_trailers(context_id: u32, trailers: u32): i32 {
  return stream(context_id).onResponseTrailers(trailers);
}

export function proxy_on_response_metadata(context_id: u32, nelements: u32): i32 {
  return stream(context_id).onResponseMetadata(nelements);
}

function base(context_id: u32): BaseContext {
  return streams.has(context_id) ? stream(context_id) : getBaseContext(context_id);
}

export function proxy_on_done(context_id: u32): u32 {
  return base(context_id).onDone() ? 1 : 0;
}

export function proxy_on_log(context_id: u32): void {
  stream(context_id).onLog();
}

export function proxy_on_delete(context_id: u32): void {
  if (!streams.has(context_id)) {
    getBaseContext(context_id).onDelete();
    deleteContext(context_id);
    return;
  }
  stream(context_id).onDelete();
  streams.delete(context_id);
  if (lastId == context_id) last = null;
}
