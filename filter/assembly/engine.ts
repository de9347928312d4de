// The host-independent engine: the filter's own detection and policy code compiled to a second module
// (build/gatewarden-engine.wasm) that the TME loads, so both sides decide with one implementation.
// It needs no imports but env.abort.
//
// Protocol (all integers little-endian, text UTF-8):
//   ptr = gw_input(size)       a buffer of at least `size` bytes the host writes into
//   gw_configure(len)          options as text in the input buffer, one "key=value" per line:
//                              categories=sqli,xss,...  headers=user-agent,referer  maxBodyBytes=131072
//   n = gw_inspect(m, p, q, h, c, b)
//                              the input buffer holds method, path, query, headers (proxy-wasm map
//                              serialisation), content type and body, back to back, of these lengths;
//                              returns 0 (clean) or the length of the result at gw_result():
//                              four u32 lengths (category, rule, location, snippet), then the strings.
//   n = gw_validate_policy(len) policy JSON in the input buffer; returns 0 when it is valid, else the
//                              length of the error (UTF-8, naming the field) at gw_result().

import { HeaderList } from "./capture/headers";
import { DetectOptions, RequestView, Finding } from "./detect/types";
import { inspectRequest } from "./detect/engine";
import { parsePolicy } from "./policy/parse";

let input = new ArrayBuffer(64 * 1024);
let result = new ArrayBuffer(1024);
let options = new DetectOptions();

export function gw_input(size: i32): usize {
  if (size > input.byteLength) input = new ArrayBuffer(size);
  return changetype<usize>(input);
}

export function gw_result(): usize {
  return changetype<usize>(result);
}

export function gw_configure(len: i32): i32 {
  const text = String.UTF8.decodeUnsafe(changetype<usize>(input), len);
  const next = new DetectOptions();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.substring(0, eq).trim();
    const value = line.substring(eq + 1).trim();
    if (key == "categories" || key == "headers") {
      const list = new Array<string>();
      const parts = value.split(",");
      for (let k = 0; k < parts.length; k++) {
        const item = parts[k].trim().toLowerCase();
        if (item.length > 0) list.push(item);
      }
      if (key == "categories") next.categories = list;
      else next.headers = list;
    } else if (key == "maxBodyBytes") {
      const v = I32.parseInt(value);
      if (v < 0) return -1;
      next.maxBodyBytes = v;
    } else {
      return -1;
    }
  }
  options = next;
  return 0;
}

export function gw_inspect(methodLen: i32, pathLen: i32, queryLen: i32, headersLen: i32, ctLen: i32, bodyLen: i32): i32 {
  const base = changetype<usize>(input);
  let at = base;
  const req = new RequestView();
  req.method = String.UTF8.decodeUnsafe(at, methodLen);
  at += methodLen;
  req.path = String.UTF8.decodeUnsafe(at, pathLen);
  at += pathLen;
  req.query = String.UTF8.decodeUnsafe(at, queryLen);
  at += queryLen;
  const raw = new ArrayBuffer(headersLen);
  memory.copy(changetype<usize>(raw), at, headersLen);
  req.headers = new HeaderList(raw);
  at += headersLen;
  req.contentType = String.UTF8.decodeUnsafe(at, ctLen).toLowerCase();
  at += ctLen;
  req.bodyPtr = at;
  req.bodyLen = bodyLen;
  const f = inspectRequest(req, options);
  if (f === null) return 0;
  return writeResult(f);
}

export function gw_validate_policy(len: i32): i32 {
  const error = parsePolicy(String.UTF8.decodeUnsafe(changetype<usize>(input), len)).error;
  if (error.length == 0) return 0;
  const bytes = String.UTF8.encode(error);
  if (bytes.byteLength > result.byteLength) result = new ArrayBuffer(bytes.byteLength);
  memory.copy(changetype<usize>(result), changetype<usize>(bytes), bytes.byteLength);
  return bytes.byteLength;
}

function writeResult(f: Finding): i32 {
  const parts = [String.UTF8.encode(f.category), String.UTF8.encode(f.rule), String.UTF8.encode(f.location), String.UTF8.encode(f.snippet)];
  let size = 16;
  for (let i = 0; i < 4; i++) size += parts[i].byteLength;
  if (size > result.byteLength) result = new ArrayBuffer(size);
  const out = changetype<usize>(result);
  let at = out + 16;
  for (let i = 0; i < 4; i++) {
    const n = parts[i].byteLength;
    store<u32>(out + (<usize>i << 2), n);
    memory.copy(at, changetype<usize>(parts[i]), n);
    at += n;
  }
  return size;
}
