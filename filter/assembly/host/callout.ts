// HTTP callouts to the TME from a root context. The reply arrives on the root context; the origin
// object carries what the handler needs (AssemblyScript has no closures).
import {
  BaseContext,
  Context,
  RootContext,
  Headers,
  HeaderPair,
  HeaderMapTypeValues,
  BufferTypeValues,
  WasmResultValues,
} from "@solo-io/proxy-runtime/assembly/runtime";
import { bufferBytes, headerValue } from "./abi";
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
export abstract class Callout extends Context {
  constructor(root: RootContext, contextId: u32) {
    super(contextId, root);
  }

  abstract done(reply: CalloutReply): void;
}

function onCalloutReply(origin: BaseContext, headers: u32, bodySize: usize, trailers: u32): void {
  const reply = new CalloutReply();
  if (headers != 0) {
    reply.status = I32.parseInt(headerValue(HeaderMapTypeValues.HttpCallResponseHeaders, ":status"));
    reply.etag = headerValue(HeaderMapTypeValues.HttpCallResponseHeaders, "etag");
    if (bodySize > 0) reply.body = bufferBytes(BufferTypeValues.HttpCallResponseBody, 0, <u32>bodySize);
  }
  changetype<Callout>(origin).done(reply);
}

export function pair(name: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(name), String.UTF8.encode(value));
}

/**
 * Starts a call to the TME (cluster `tmeCluster`, authority `report.authority`), with the agent token
 * when one is configured; false when the proxy refused it (e.g. an unknown cluster).
 */
export function callTme(
  root: RootContext,
  cfg: Config,
  method: string,
  path: string,
  extra: Headers,
  body: ArrayBuffer,
  timeoutMs: u32,
  callout: Callout,
): bool {
  const headers: Headers = [pair(":method", method), pair(":path", path), pair(":authority", cfg.report.authority)];
  if (cfg.agentToken.length > 0) headers.push(pair(cfg.agentTokenHeader, cfg.agentToken));
  for (let i = 0; i < extra.length; i++) headers.push(extra[i]);
  return root.httpCall(cfg.tmeCluster, headers, body, [], timeoutMs, callout, onCalloutReply) == WasmResultValues.Ok;
}
