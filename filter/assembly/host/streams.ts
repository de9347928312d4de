// The proxy-wasm callbacks of HTTP streams, dispatched straight to our Stream objects. The SDK's exports
// look a context up in a Map<u32, BaseContext> twice per callback and its root twice more when a stream
// is created, and make each stream an SDK Context; here a stream is one probe of an IdTable away, a
// callback for a stream we do not know (never created, already deleted) does nothing, and roots
// (configuration) stay with the SDK (index.ts). A stream's deletion and a tick end with a collection
// when one is due (memory/collect.ts): nothing is used after it.
import { deleteContext, ensureRootContext, getBaseContext, getRootContext } from "@solo-io/proxy-runtime/assembly/runtime";
import { collectIfDue, streamDone } from "../memory/collect";
import { IdTable } from "./id-table";
import { FilterRoot, Stream } from "./stream";

const streams = new IdTable<Stream>();
/** Our roots by context id (one per plugin on the VM), to make their streams without the SDK's lookups. */
const roots = new IdTable<FilterRoot>();

// Statuses as the ABI returns them: Continue for a stream we do not know.
const CONTINUE: i32 = 0;

export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  if (root_context_id == 0) {
    const root = ensureRootContext(context_id);
    if (root instanceof FilterRoot) roots.set(context_id, changetype<FilterRoot>(root));
    return;
  }
  const root = roots.get(root_context_id);
  if (root === null || streams.get(context_id) !== null) return;
  streams.set(context_id, root.newStream(context_id));
}

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  const s = streams.get(context_id);
  return s === null ? CONTINUE : s.onRequestHeaders(headers, end_of_stream != 0);
}

export function proxy_on_request_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  const s = streams.get(context_id);
  return s === null ? CONTINUE : s.onRequestBody(body_buffer_length, end_of_stream != 0);
}

export function proxy_on_request_trailers(context_id: u32, trailers: u32): i32 {
  const s = streams.get(context_id);
  return s === null ? CONTINUE : s.onRequestTrailers(trailers);
}

export function proxy_on_request_metadata(context_id: u32, nelements: u32): i32 {
  return CONTINUE;
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  const s = streams.get(context_id);
  return s === null ? CONTINUE : s.onResponseHeaders(headers, end_of_stream != 0);
}

export function proxy_on_response_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  const s = streams.get(context_id);
  return s === null ? CONTINUE : s.onResponseBody(body_buffer_length, end_of_stream != 0);
}

export function proxy_on_response_trailers(context_id: u32, trailers: u32): i32 {
  const s = streams.get(context_id);
  return s === null ? CONTINUE : s.onResponseTrailers(trailers);
}

export function proxy_on_response_metadata(context_id: u32, nelements: u32): i32 {
  return CONTINUE;
}

/** A stream is done at once (1); a root answers for itself (the SDK's onDone). */
export function proxy_on_done(context_id: u32): u32 {
  if (streams.get(context_id) !== null) return 1;
  return getBaseContext(context_id).onDone() ? 1 : 0;
}

export function proxy_on_log(context_id: u32): void {
  const s = streams.get(context_id);
  if (s !== null) s.onLog();
}

export function proxy_on_delete(context_id: u32): void {
  const s = streams.delete(context_id);
  if (s !== null) {
    s.onDelete();
    streamDone();
    return;
  }
  roots.delete(context_id);
  getBaseContext(context_id).onDelete();
  deleteContext(context_id);
}

export function proxy_on_tick(root_context_id: u32): void {
  getRootContext(root_context_id).onTick();
  collectIfDue();
}
