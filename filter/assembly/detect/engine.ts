// The attack-detection engine's entry points. Pure AssemblyScript: no host imports, so the filter calls
// it in-process and the TME loads the same code compiled on its own (standalone.ts).

import { Finding, DetectOptions, RequestView, categoryName, B_PROTOCOL } from "./types";
import { Scratch } from "./bytes";
import { hit, norm, snippet, scanValue } from "./scan";
import { protocolHead, protocolHeader } from "./protocol";
import { scanPath, scanPairs, scanHeaders, utf8Into } from "./extract";
import { lastLocation } from "./walk";
import { scanBody, declaredMismatch } from "./body";

export { Finding, DetectOptions, RequestView } from "./types";

const text = new Scratch(1024);

/** The category of a finding that notes a protocol irregularity rather than an attack payload. */
const CAT_PROTOCOL_NOTE = "protocol";

function finding(location: string): Finding {
  const f = new Finding();
  f.category = categoryName(hit.category);
  f.rule = hit.rule;
  f.location = location;
  f.snippet = snippet();
  return f;
}

/**
 * Whether a body of this (lower-cased) declared type is held for inspection: every one but a gRPC
 * stream (held, a streaming call would stall; its messages are protobuf). Whatever it claims, a held
 * body is inspected as its bytes say (detect/body.ts).
 */
export function bodyInspected(contentType: string): bool {
  return !contentType.startsWith("application/grpc");
}

/** Inspects a request, head then body; returns the first finding, or null. */
export function inspectRequest(req: RequestView, opts: DetectOptions): Finding | null {
  const head = inspectHead(req, opts);
  return head !== null ? head : inspectBody(req, opts);
}

/** Inspects the path, the query and the configured headers and cookies. */
export function inspectHead(req: RequestView, opts: DetectOptions): Finding | null {
  const mask = opts.mask;
  if (mask == 0) return null;
  // Path and query arrive as strings: encode them into a reused buffer.
  let n = utf8Into(req.path, text);
  if (scanPath(text.ptr, n, mask)) return finding(lastLocation);
  if (req.query.length > 0) {
    n = utf8Into(req.query, text);
    if (scanPairs(text.ptr, n, mask, "query:", "query-name")) return finding(lastLocation);
  }
  if (scanHeaders(req.headers, opts.headers, mask)) return finding(lastLocation);
  if ((mask & B_PROTOCOL) != 0 && protocolHead(req.headers, hit)) return protocolFinding(req);
  return null;
}

/**
 * A finding on the header protocolHead stopped at, or on the whole head. The snippet is the header's
 * name: its value may be a credential (an overlong Authorization) and says nothing more about framing.
 */
function protocolFinding(req: RequestView): Finding {
  const h = req.headers;
  if (protocolHeader < 0 || protocolHeader >= h.count) {
    norm.len = 0;
    return finding("headers");
  }
  norm.ptr = h.namePtr(protocolHeader);
  norm.len = h.nameLength(protocolHeader);
  hit.offset = 0;
  return finding("header:" + String.UTF8.decodeUnsafe(h.namePtr(protocolHeader), h.nameLength(protocolHeader)).toLowerCase());
}

/**
 * Inspects the body (up to maxBodyBytes) as its bytes say: JSON, form, XML, multipart or text. With no
 * attack in it, a declared type the bytes contradict is reported (protocol.content-type-mismatch,
 * monitor only).
 */
export function inspectBody(req: RequestView, opts: DetectOptions): Finding | null {
  const mask = opts.mask;
  let len = req.bodyLen;
  if (mask == 0 || len <= 0 || req.bodyPtr == 0) return null;
  // A body that reaches the limit may have been cut there (here, or by the filter's capture).
  const cut = len >= opts.maxBodyBytes;
  if (len > opts.maxBodyBytes) len = opts.maxBodyBytes;
  if (scanBody(req.bodyPtr, len, req.contentType, req.headers.get("content-type"), cut, mask)) return finding(lastLocation);
  if (!declaredMismatch) return null;
  const f = new Finding();
  f.category = CAT_PROTOCOL_NOTE;
  f.rule = "protocol.content-type-mismatch";
  f.location = "header:content-type";
  f.snippet = req.contentType.length > 64 ? req.contentType.substring(0, 64) : req.contentType;
  f.monitorOnly = true;
  return f;
}

/** Inspects one value (no `+`-as-space) and reports it at `location`. */
export function inspectValue(value: string, location: string, opts: DetectOptions): Finding | null {
  const mask = opts.mask;
  const n = utf8Into(value, text);
  if (scanValue(text.ptr, n, 0, mask)) return finding(location);
  return null;
}
