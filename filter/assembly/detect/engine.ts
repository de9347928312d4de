// The attack-detection engine's entry points. Pure AssemblyScript: no host imports, so the filter calls
// it in-process and the TME loads the same code compiled on its own (standalone.ts).

import { Finding, DetectOptions, RequestView, categoryName, B_XXE, B_PROTOCOL } from "./types";
import { Scratch } from "./bytes";
import { hit, norm, snippet, scanValue } from "./scan";
import { protocolHead, protocolHeader } from "./protocol";
import { scanPath, scanPairs, scanHeaders, scanJson, scanXml, scanRawBody, utf8Into, lastLocation, DOC_HIT, DOC_INVALID } from "./extract";

export { Finding, DetectOptions, RequestView } from "./types";

const text = new Scratch(1024);

function finding(location: string): Finding {
  const f = new Finding();
  f.category = categoryName(hit.category);
  f.rule = hit.rule;
  f.location = location;
  f.snippet = snippet();
  return f;
}

const BODY_RAW = 1;
const BODY_FORM = 2;
const BODY_JSON = 3;
const BODY_XML = 4;

/** How a body of this (lower-cased) content type is inspected; 0 = not at all (binary). */
export function bodyKind(contentType: string): i32 {
  if (contentType.includes("json")) return BODY_JSON;
  if (contentType.includes("x-www-form-urlencoded")) return BODY_FORM;
  if (contentType.startsWith("image/") || contentType.startsWith("audio/") || contentType.startsWith("video/") ||
      contentType.startsWith("font/") || contentType.includes("grpc") || contentType.includes("protobuf") ||
      contentType.includes("octet-stream") || contentType.includes("zip") || contentType.includes("pdf")) return 0;
  if (isXmlType(contentType)) return BODY_XML;
  return BODY_RAW;
}

/** application/xml, text/xml and the +xml types (soap+xml, atom+xml...), parameters aside. */
function isXmlType(contentType: string): bool {
  let e = contentType.indexOf(";");
  if (e < 0) e = contentType.length;
  while (e > 0 && contentType.charCodeAt(e - 1) == 0x20) e--;
  if (e == 15 && contentType.startsWith("application/xml")) return true;
  if (e == 8 && contentType.startsWith("text/xml")) return true;
  return e > 4 && contentType.indexOf("+xml", e - 4) == e - 4;
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

/** Inspects the body (up to maxBodyBytes) as its content type says: JSON, form, XML or text. */
export function inspectBody(req: RequestView, opts: DetectOptions): Finding | null {
  const mask = opts.mask;
  let len = req.bodyLen;
  if (mask == 0 || len <= 0 || req.bodyPtr == 0) return null;
  // A body that reaches the limit may have been cut there (here, or by the filter's capture).
  const cut = len >= opts.maxBodyBytes;
  if (len > opts.maxBodyBytes) len = opts.maxBodyBytes;
  const kind = bodyKind(req.contentType);
  if (kind == BODY_JSON) {
    const r = scanJson(req.bodyPtr, len, mask);
    if (r == DOC_HIT) return finding(lastLocation);
    // Not JSON after all (or cut by the limit): inspect it as text.
    if (r == DOC_INVALID && scanRawBody(req.bodyPtr, len, mask)) return finding(lastLocation);
  } else if (kind == BODY_FORM) {
    if (scanPairs(req.bodyPtr, len, mask, "body.form:", "")) return finding(lastLocation);
  } else if (kind == BODY_XML) {
    // The markup is judged for XXE only (DOCTYPE, ENTITY, XInclude); text and attribute values for all.
    if ((mask & B_XXE) != 0 && scanRawBody(req.bodyPtr, len, B_XXE)) return finding(lastLocation);
    const r = scanXml(req.bodyPtr, len, mask, cut);
    if (r == DOC_HIT) return finding(lastLocation);
    // Not well-formed: inspect it as text.
    if (r == DOC_INVALID && scanRawBody(req.bodyPtr, len, mask)) return finding(lastLocation);
  } else if (kind == BODY_RAW) {
    if (scanRawBody(req.bodyPtr, len, mask)) return finding(lastLocation);
  }
  return null;
}

/** Inspects one value (no `+`-as-space) and reports it at `location`. */
export function inspectValue(value: string, location: string, opts: DetectOptions): Finding | null {
  const mask = opts.mask;
  const n = utf8Into(value, text);
  if (scanValue(text.ptr, n, 0, mask)) return finding(location);
  return null;
}
