// An exchange as the TME's producers (ext_proc, ext_cap) hand it to the engine: its parts in a framed
// binary form the host writes without building JSON, read back into an Exchange so that writeRecord —
// the filter's own encoder — writes the record. Every length is checked against the frame: a frame
// that lies is refused, never read past. The bodies are not in the frame: the host writes their bytes
// straight into the body captures the engine made for them (bodyCapture), so a large body is held once.
//
// Frame (integers little-endian):
//   u64 start (unix ns)   u64 duration (ns)   u32 client port   u32 fallback status   u32 flags
//   u64 request body size   u64 response body size   u32 verdict action (policy/model.ts Action)
//   then 14 parts, each a u32 byte length and the bytes:
//     id, service, module version, client address, client peer, protocol (UTF-8);
//     request headers with their pseudo-headers, request trailers (proxy-wasm map serialisation);
//     response headers with :status, response trailers (as for the request);
//     verdict rule, category, location, snippet (UTF-16LE: a snippet may hold lone surrogates).
import { HeaderList } from "../http/headers";
import { BodyCapture } from "./body";
import { Exchange } from "./exchange";
import { Action } from "../policy/model";
import { Verdict } from "../policy/verdict";

export const FLAG_REQUEST_TRAILERS: u32 = 1;
export const FLAG_REQUEST_BODY: u32 = 2;
export const FLAG_RESPONSE_TRAILERS: u32 = 4;
export const FLAG_RESPONSE_BODY: u32 = 8;
/** The producer says the request body was cut short (its size may not show it). */
export const FLAG_REQUEST_BODY_CUT: u32 = 16;
export const FLAG_RESPONSE_BODY_CUT: u32 = 32;
export const FLAG_VERDICT: u32 = 64;

const HEAD_BYTES = 48;
const PARTS = 14;

export class FramedExchange {
  exchange: Exchange = new Exchange();
  service: string = "";
  moduleVersion: string = "";
  error: string = "";
}

class FrameCursor {
  at: usize;
  ok: bool = true;
  constructor(
    public base: usize,
    public end: usize,
  ) {
    this.at = base;
  }

  /** The next part's length, its bytes starting at `this.at`; -1 (and not ok) when the frame is short. */
  part(): i32 {
    if (!this.ok || this.end - this.at < 4) {
      this.ok = false;
      return -1;
    }
    const len = load<u32>(this.at);
    this.at += 4;
    if (<u64>len > <u64>(this.end - this.at)) {
      this.ok = false;
      return -1;
    }
    return <i32>len;
  }

  utf8(): string {
    const len = this.part();
    if (len <= 0) return "";
    const s = String.UTF8.decodeUnsafe(this.at, len);
    this.at += len;
    return s;
  }

  utf16(): string {
    const len = this.part();
    if (len <= 0) return "";
    const s = String.UTF16.decodeUnsafe(this.at, <usize>(len & ~1));
    this.at += len;
    return s;
  }

  headers(): HeaderList {
    const len = this.part();
    if (len <= 0) return HeaderList.empty();
    const raw = new ArrayBuffer(len);
    memory.copy(changetype<usize>(raw), this.at, len);
    this.at += len;
    return new HeaderList(raw);
  }
}

/** A body capture of exactly `len` bytes, for the host to fill in before it hands over the frame. */
export function bodyCapture(len: i32): BodyCapture {
  const n = len < 0 ? 0 : len;
  const b = new BodyCapture(n, n);
  b.data.reserve(n);
  b.data.length = n;
  return b;
}

/** A body the frame names, as the host handed it over (bodyCapture), with its whole size. */
function framedBody(b: BodyCapture, size: u64, cut: bool): BodyCapture {
  const n = <u64>b.data.length;
  b.size = size > n ? size : n;
  b.cut = cut;
  return b;
}

function action(code: u32): Action {
  if (code == <u32>Action.Allow) return Action.Allow;
  if (code == <u32>Action.Monitor) return Action.Monitor;
  if (code == <u32>Action.Block) return Action.Block;
  return Action.None;
}

/**
 * The exchange in the `len` bytes at `ptr`, with the bodies the host filled in; `error` is set when the
 * frame is malformed.
 */
export function readExchangeFrame(ptr: usize, len: i32, requestBody: BodyCapture | null, responseBody: BodyCapture | null): FramedExchange {
  const out = new FramedExchange();
  if (len < HEAD_BYTES) {
    out.error = "frame: shorter than its " + HEAD_BYTES.toString() + "-byte head";
    return out;
  }
  const ex = out.exchange;
  ex.startNanos = load<u64>(ptr);
  ex.durationNanos = load<u64>(ptr, 8);
  const port = load<u32>(ptr, 16);
  ex.clientPort = port <= 65535 ? <i32>port : 0;
  const status = load<u32>(ptr, 20);
  ex.fallbackStatus = status <= 999 ? <i32>status : 0;
  const flags = load<u32>(ptr, 24);
  const requestSize = load<u64>(ptr, 28);
  const responseSize = load<u64>(ptr, 36);
  const verdictAction = load<u32>(ptr, 44);

  const c = new FrameCursor(ptr + HEAD_BYTES, ptr + <usize>len);
  ex.id = c.utf8();
  out.service = c.utf8();
  out.moduleVersion = c.utf8();
  ex.clientAddress = c.utf8();
  ex.clientPeer = c.utf8();
  ex.protocol = c.utf8();
  ex.requestHeaders = c.headers();
  const requestTrailers = c.headers();
  if ((flags & FLAG_REQUEST_TRAILERS) != 0) ex.requestTrailers = requestTrailers;
  ex.responseHeaders = c.headers();
  const responseTrailers = c.headers();
  if ((flags & FLAG_RESPONSE_TRAILERS) != 0) ex.responseTrailers = responseTrailers;
  const rule = c.utf16();
  const category = c.utf16();
  const location = c.utf16();
  const snippet = c.utf16();
  if (!c.ok) {
    out.error = "frame: a part is longer than the frame (" + len.toString() + " bytes, " + PARTS.toString() + " parts)";
    return out;
  }
  // A body the frame names must have been handed over for this frame: never one left from an earlier call.
  if ((flags & FLAG_REQUEST_BODY) != 0) {
    if (requestBody === null) {
      out.error = "frame: the request body was not handed over";
      return out;
    }
    ex.requestBody = framedBody(requestBody, requestSize, (flags & FLAG_REQUEST_BODY_CUT) != 0);
  }
  if ((flags & FLAG_RESPONSE_BODY) != 0) {
    if (responseBody === null) {
      out.error = "frame: the response body was not handed over";
      return out;
    }
    ex.responseBody = framedBody(responseBody, responseSize, (flags & FLAG_RESPONSE_BODY_CUT) != 0);
  }
  if ((flags & FLAG_VERDICT) != 0) {
    const v = Verdict.of(action(verdictAction), rule, category);
    v.location = location;
    v.snippet = snippet;
    ex.verdict = v;
  }
  return out;
}
