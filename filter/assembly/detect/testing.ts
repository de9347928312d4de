// Test support for the detection specs (filter/assembly/__tests__/detect-*.spec.ts): build a request view,
// inspect one query value, read what fired. Not used by the engine itself.
// what fired without relying on as-pect's string matchers.
import { serializeHeaders, HeaderList } from "../http/headers";
import { RequestView, DetectOptions, Finding, inspectRequest, inspectValue } from "./engine";

export function percentEncode(s: string): string {
  const bytes = String.UTF8.encode(s);
  const p = changetype<usize>(bytes);
  const hex = "0123456789ABCDEF";
  let out = "";
  for (let i = 0; i < bytes.byteLength; i++) {
    const c = <i32>load<u8>(p + i);
    const keep = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f || c == 0x2e;
    out += keep ? String.fromCharCode(c) : "%" + hex.charAt(c >> 4) + hex.charAt(c & 15);
  }
  return out;
}

export function request(
  path: string,
  query: string,
  names: Array<string>,
  values: Array<string>,
  contentType: string,
  body: string,
): RequestView {
  const r = new RequestView();
  r.method = body.length > 0 ? "POST" : "GET";
  r.path = path;
  r.query = query;
  r.headers = new HeaderList(serializeHeaders(names, values));
  r.contentType = contentType;
  if (body.length > 0) {
    const b = String.UTF8.encode(body);
    keep.push(b);
    r.bodyPtr = changetype<usize>(b);
    r.bodyLen = b.byteLength;
  }
  return r;
}

const keep = new Array<ArrayBuffer>();

/** Inspects `value` as the (percent-encoded) query parameter q. */
export function q(value: string): Finding | null {
  return inspectRequest(request("/", "q=" + percentEncode(value), [], [], "", ""), new DetectOptions());
}

/** Inspects a raw query string (already encoded as the client sent it). */
export function rawQuery(query: string): Finding | null {
  return inspectRequest(request("/", query, [], [], "", ""), new DetectOptions());
}

export function category(f: Finding | null): string {
  return f === null ? "none" : f.category;
}

export function rule(f: Finding | null): string {
  return f === null ? "none" : f.rule;
}

export function value(v: string): Finding | null {
  return inspectValue(v, "test", new DetectOptions());
}
