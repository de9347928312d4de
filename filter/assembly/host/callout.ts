// HTTP callouts to the TME. Envoy answers every callout on the root context that made it, by token; our
// own dispatch (proxy_on_http_call_response here, exported by exports.ts) finds the waiting Callout in
// an IdTable and makes the stream that waits on it effective only when it is not the root (the SDK
// kept callbacks in a Map and set the effective context on every answer).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { Headers, HeaderPair, HeaderMapTypeValues, BufferTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { bufferBytes, headerPairs } from "./abi";
import { IdTable } from "./id-table";
import { collectIfDue } from "../memory/collect";
import { HeaderList, serializeHeaders } from "../http/headers";
import { Config } from "../config";

export class CalloutReply {
  /** 0 when the call failed or timed out before any answer. */
  status: i32 = 0;
  body: ArrayBuffer = new ArrayBuffer(0);
  etag: string = "";
}

/**
 * Subclass and implement `done`: one object per call. `contextId` is the context made effective when
 * the reply arrives: the root's for background calls, a stream's for a call that stream waits on.
 */
export abstract class Callout {
  constructor(readonly contextId: u32) {}

  abstract done(reply: CalloutReply): void;
}

/** Calls in flight by token. */
const pending = new IdTable<Callout>();
const TOKEN = memory.data(4);
/** An empty header map (a count of 0): callouts send no trailers. */
const NO_TRAILERS = memory.data(4);

export function proxy_on_http_call_response(context_id: u32, token: u32, headers: u32, body_size: u32, trailers: u32): void {
  const callout = pending.delete(token);
  if (callout === null) return;
  // A stream's call: its reply acts on that stream (the host refuses a stream reset since, and the
  // stream, Gone, then acts on nothing).
  if (callout.contextId != context_id) imports.proxy_set_effective_context(callout.contextId);
  const reply = new CalloutReply();
  if (headers != 0) {
    // The map in one host call, not one per header wanted.
    const map = new HeaderList(headerPairs(HeaderMapTypeValues.HttpCallResponseHeaders));
    reply.status = I32.parseInt(map.get(":status"));
    reply.etag = map.get("etag");
    if (body_size > 0) reply.body = bufferBytes(BufferTypeValues.HttpCallResponseBody, 0, body_size);
  }
  callout.done(reply);
  collectIfDue();
}

export function pair(name: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(name), String.UTF8.encode(value));
}

/**
 * Starts a call to the TME (cluster `tmeCluster`, authority `report.authority`), with the agent token
 * when one is configured; false when the proxy refused it (e.g. an unknown cluster). The host copies
 * the body at once: it may be reused or freed when this returns.
 */
export function callTme(
  cfg: Config,
  method: string,
  path: string,
  extra: Headers,
  bodyPtr: usize,
  bodyLength: i32,
  timeoutMs: u32,
  callout: Callout,
): bool {
  const names: Array<string> = [":method", ":path", ":authority"];
  const values: Array<string> = [method, path, cfg.report.authority];
  if (cfg.agentToken.length > 0) {
    names.push(cfg.agentTokenHeader);
    values.push(cfg.agentToken);
  }
  for (let i = 0; i < extra.length; i++) {
    names.push(String.UTF8.decode(extra[i].key));
    values.push(String.UTF8.decode(extra[i].value));
  }
  const headerBytes = serializeHeaders(names, values);
  const cluster = String.UTF8.encode(cfg.tmeCluster);
  const result = imports.proxy_http_call(
    changetype<usize>(cluster),
    cluster.byteLength,
    changetype<usize>(headerBytes),
    headerBytes.byteLength,
    bodyPtr,
    bodyLength,
    NO_TRAILERS,
    4,
    timeoutMs,
    TOKEN,
  );
  if (result != WasmResultValues.Ok) return false;
  pending.set(load<u32>(TOKEN), callout);
  return true;
}
