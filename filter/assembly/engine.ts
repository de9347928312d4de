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
//
// Redacting (redact/, the filter's own record encoder), for records the TME builds or receives unredacted:
//   gw_set_redaction(len)      names as text in the input buffer, one "key=value" per line:
//                              headers=authorization,cookie,...  fields=password,token,...
//                              (a key left out keeps the defaults of redact/defaults.ts)
//   n = gw_redact_record(len)  one record as JSON (docs/record-format.md) in the input buffer; returns the
//                              length of the redacted record at gw_record() (UTF-8 JSON, with
//                              "redacted":true; valid until the next call), or -length of an error
//                              message at gw_result().
//
// Encoding (capture/exchange-frame.ts, then the filter's own writeRecord and redaction): the one record
// encoder of every producer; the TME's ext_proc and ext_cap hand their exchanges to it.
//   ptr = gw_body(which, len)  a body capture of len bytes (which: 0 request, 1 response) for the next
//                              gw_encode_record; the host writes the captured bytes there. Called for
//                              every body the frame names, even an empty one; each call forgets them.
//   n = gw_encode_record(len)  one exchange frame in the input buffer; returns the length of the record
//                              at gw_record() (UTF-8 JSON, redacted under gw_set_redaction's names and
//                              marked "redacted":true; valid until the next call), or -length of an
//                              error message at gw_result().
//
// Deciding (policy/decide.ts, the filter's own sequence), for hosts that enforce without the filter:
//   n = gw_set_policy(p, s)    the input buffer holds the policy JSON (p bytes; 0 = the built-in policy)
//                              then settings, one "key=value" per line (s bytes): maxBodyBytes (the
//                              body capture size), blockingStatusCode, blockingMessage. Returns 0, or
//                              the length of the error at gw_result(); the previous policy then stays.
//   n = gw_set_denylist(len)   the deny list JSON as the TME serves it at /v1/denylist; 0 or error length.
//   n = gw_decide(h, b, a, phase, nowMs)
//                              the input buffer holds the request headers with their pseudo-headers
//                              (proxy-wasm map serialisation, h bytes), the body captured so far (b bytes)
//                              and the peer address without port (a bytes). phase: 1 = head (deny list,
//                              rules, rate limits, detection on the head; counts the request), 2 = body
//                              (detection on the body, after a head that asked for it), 3 = both, +4 with
//                              2 = a verdict was recorded at the head. nowMs: unix time in ms (f64).
//                              Returns the length of the result at gw_result(): u32 action (0 none,
//                              1 allow, 2 monitor, 3 block), u32 reply status (when blocked), u32 flags
//                              (1 = inspect the body, 2 = the result carries a verdict to record), six u32
//                              byte lengths then the strings, UTF-16LE: rule, category, location, snippet,
//                              reply message, client address (after clientIp.trustedHops).

import { HeaderList } from "./http/headers";
import { DetectOptions, RequestView, Finding } from "./detect/types";
import { inspectRequest } from "./detect/engine";
import { parsePolicy } from "./policy/parse";
import { Action, Policy, RateLimit } from "./policy/model";
import { RequestFacts } from "./policy/evaluate";
import { Verdict } from "./policy/verdict";
import { DecideHost, decideBody, decideHead, detectOptionsOf, replyMessage, replyStatus, requestFacts, requestView } from "./policy/decide";
import { DenyList, parseDenyList } from "./enforce/denylist";
import { RedactionNames } from "./redact/names";
import { DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from "./redact/defaults";
import { readRecord } from "./capture/record-reader";
import { bodyCapture, readExchangeFrame } from "./capture/exchange-frame";
import { BodyCapture } from "./capture/body";
import { Exchange, RecordMarks, writeRecord } from "./capture/exchange";
import { ByteBuffer } from "./json/bytes";
import { JsonWriter } from "./json/writer";

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
  return writeError(error);
}

function writeResult(f: Finding): i32 {
  return writeStrings(0, [f.category, f.rule, f.location, f.snippet]);
}

function writeError(error: string): i32 {
  const bytes = String.UTF8.encode(error);
  if (bytes.byteLength > result.byteLength) result = new ArrayBuffer(bytes.byteLength);
  memory.copy(changetype<usize>(result), changetype<usize>(bytes), bytes.byteLength);
  return bytes.byteLength;
}

/**
 * `head` bytes the caller fills in (after the call), then each string's u32 byte length, then the
 * strings: UTF-8, or with `utf16` UTF-16LE code units as they are (a snippet of undecodable input may
 * hold lone surrogates, which UTF-8 cannot carry and the filter's JSON writer passes on as they are).
 */
function writeStrings(head: i32, strings: Array<string>, utf16: bool = false): i32 {
  const parts = new Array<ArrayBuffer>(strings.length);
  let size = head + 4 * strings.length;
  for (let i = 0; i < strings.length; i++) {
    parts[i] = utf16 ? String.UTF16.encode(strings[i]) : String.UTF8.encode(strings[i]);
    size += parts[i].byteLength;
  }
  if (size > result.byteLength) result = new ArrayBuffer(size);
  const out = changetype<usize>(result) + <usize>head;
  let at = out + 4 * <usize>strings.length;
  for (let i = 0; i < parts.length; i++) {
    const n = parts[i].byteLength;
    store<u32>(out + ((<usize>i) << 2), n);
    memory.copy(at, changetype<usize>(parts[i]), n);
    at += n;
  }
  return size;
}

// --- Deciding ------------------------------------------------------------------------------------

/** Fixed-window counts per (limit, key), like the filter's shared-data counters but exact per key. */
class WindowCount {
  constructor(
    public window: u64,
    public windowMs: u64,
    public count: u32,
  ) {}
}

const MAX_COUNTERS = 100000;

class EngineHost extends DecideHost {
  denyList: DenyList = new DenyList();
  counters: Map<string, WindowCount> = new Map();
  nowMs: u64 = 0;

  denied(f: RequestFacts): bool {
    const list = this.denyList;
    return list.size > 0 && list.deniedUntil(f.clientIp, f.headers.get(list.keyHeader), this.nowMs) > 0;
  }

  count(limit: RateLimit, key: string): u32 {
    const window = this.nowMs / limit.windowMs;
    const id = limit.id + "\u0000" + key;
    if (this.counters.has(id)) {
      const c = this.counters.get(id);
      if (c.window == window && c.windowMs == limit.windowMs) {
        c.count++;
        return c.count;
      }
      c.window = window;
      c.windowMs = limit.windowMs;
      c.count = 1;
      return 1;
    }
    if (this.counters.size >= MAX_COUNTERS) this.forgetPastWindows();
    this.counters.set(id, new WindowCount(window, limit.windowMs, 1));
    return 1;
  }

  /** Keeps the table bounded by the keys seen in their current window. */
  private forgetPastWindows(): void {
    const ids = this.counters.keys();
    for (let i = 0; i < ids.length; i++) {
      const c = this.counters.get(ids[i]);
      if (c.window != this.nowMs / c.windowMs) this.counters.delete(ids[i]);
    }
  }
}

const host = new EngineHost();
let decidePolicy = new Policy();
let decideOptions: DetectOptions | null = detectOptionsOf(decidePolicy, 131072);
let maxBodyBytes: i32 = 131072;
let blockingStatusCode: i32 = 403;
let blockingMessage = "Access Forbidden";

export function gw_set_policy(policyLen: i32, settingsLen: i32): i32 {
  const base = changetype<usize>(input);
  let nextMax = maxBodyBytes;
  let nextStatus = blockingStatusCode;
  let nextMessage = blockingMessage;
  const lines = String.UTF8.decodeUnsafe(base + <usize>policyLen, settingsLen).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const eq = line.indexOf("=");
    if (line.trim().length == 0) continue;
    const key = eq > 0 ? line.substring(0, eq).trim() : line.trim();
    const value = eq > 0 ? line.substring(eq + 1) : "";
    if (key == "maxBodyBytes") {
      const v = I32.parseInt(value.trim());
      if (v < 0) return writeError("settings: maxBodyBytes: expected a non-negative integer");
      nextMax = v;
    } else if (key == "blockingStatusCode") {
      nextStatus = I32.parseInt(value.trim());
    } else if (key == "blockingMessage") {
      nextMessage = value;
    } else {
      return writeError('settings: unknown key "' + key + '"');
    }
  }
  let policy = new Policy();
  if (policyLen > 0) {
    const parsed = parsePolicy(String.UTF8.decodeUnsafe(base, policyLen));
    const p = parsed.policy;
    if (p === null) return writeError(parsed.error);
    policy = p;
  }
  decidePolicy = policy;
  maxBodyBytes = nextMax;
  blockingStatusCode = nextStatus;
  blockingMessage = nextMessage;
  decideOptions = detectOptionsOf(policy, nextMax);
  return 0;
}

export function gw_set_denylist(len: i32): i32 {
  const parsed = parseDenyList(String.UTF8.decodeUnsafe(changetype<usize>(input), len));
  const list = parsed.list;
  if (list === null) return writeError(parsed.error);
  host.denyList = list;
  return 0;
}

const PHASE_HEAD = 1;
const PHASE_BODY = 2;
const PHASE_HAD_VERDICT = 4;

export function gw_decide(headersLen: i32, bodyLen: i32, peerLen: i32, phase: i32, nowMs: f64): i32 {
  const base = changetype<usize>(input);
  const raw = new ArrayBuffer(headersLen);
  memory.copy(changetype<usize>(raw), base, headersLen);
  const headers = new HeaderList(raw);
  const peer = String.UTF8.decodeUnsafe(base + <usize>headersLen + <usize>bodyLen, peerLen);
  const policy = decidePolicy;
  const opts = decideOptions;
  host.nowMs = <u64>nowMs;
  const f = requestFacts(headers, peer, policy.trustedHops);

  let verdict: Verdict | null = null;
  let changed = false;
  let wantsBody = false;
  let view: RequestView | null = null;
  if ((phase & PHASE_HEAD) != 0) {
    const d = decideHead(policy, f, opts, host);
    verdict = d.verdict;
    changed = verdict !== null;
    wantsBody = d.inspectBody && !d.blocked;
    view = d.view;
  } else {
    view = requestView(f);
    wantsBody = true;
    if ((phase & PHASE_HAD_VERDICT) != 0) verdict = new Verdict();
  }
  const blockedAtHead = verdict !== null && verdict.action == Action.Block;
  if ((phase & PHASE_BODY) != 0 && wantsBody && !blockedAtHead && view !== null) {
    view.bodyPtr = base + <usize>headersLen;
    view.bodyLen = bodyLen;
    const next = decideBody(policy, view, opts, verdict);
    view.bodyPtr = 0;
    view.bodyLen = 0;
    if (next !== verdict) changed = true;
    verdict = next;
    wantsBody = false;
  }

  const v = changed && verdict !== null ? verdict : new Verdict();
  let status = 0;
  let message = "";
  if (v.action == Action.Block) {
    status = replyStatus(v, policy, blockingStatusCode);
    message = replyMessage(v, status, policy, blockingMessage, "");
  }
  const size = writeStrings(12, [v.rule, v.category, v.location, v.snippet, message, f.clientIpText], true);
  const out = changetype<usize>(result);
  store<u32>(out, <u32>v.action);
  store<u32>(out + 4, <u32>status);
  store<u32>(out + 8, (wantsBody ? 1 : 0) | (changed && verdict !== null ? 2 : 0));
  return size;
}

let redaction = new RedactionNames();
const recordOut = new ByteBuffer(4096);

function nameList(value: string): Array<string> {
  const list = new Array<string>();
  const parts = value.split(",");
  for (let k = 0; k < parts.length; k++) {
    const item = parts[k].trim().toLowerCase();
    if (item.length > 0) list.push(item);
  }
  return list;
}

export function gw_set_redaction(len: i32): i32 {
  const lines = String.UTF8.decodeUnsafe(changetype<usize>(input), len).split("\n");
  let headers = DEFAULT_REDACT_HEADERS;
  let fields = DEFAULT_REDACT_FIELDS;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.substring(0, eq).trim();
    if (key == "headers") headers = nameList(line.substring(eq + 1));
    else if (key == "fields") fields = nameList(line.substring(eq + 1));
  }
  redaction = new RedactionNames(headers, fields);
  return 0;
}

/**
 * Above this many input bytes the garbage of one record is collected at once: the allocator doubles the
 * memory when it runs short, so two large records' garbage must not pile up before the collector
 * catches up.
 */
const COLLECT_AFTER_BYTES = 1 << 20;

export function gw_redact_record(len: i32): i32 {
  const read = readRecord(String.UTF8.decodeUnsafe(changetype<usize>(input), len));
  if (read.error.length > 0) {
    result = String.UTF8.encode("record: " + read.error);
    return -result.byteLength;
  }
  recordOut.reset();
  writeRecord(new JsonWriter(recordOut), read.exchange, read.service, read.moduleVersion, redaction, read.full);
  if (len > COLLECT_AFTER_BYTES) {
    read.exchange = new Exchange();
    __collect();
  }
  return recordOut.length;
}

let requestBody: BodyCapture | null = null;
let responseBody: BodyCapture | null = null;

export function gw_body(which: i32, len: i32): usize {
  const b = bodyCapture(len);
  if (which == 0) requestBody = b;
  else responseBody = b;
  return b.data.dataStart;
}

/** Room for the record beyond its bodies, so that a large body does not grow the buffer step by step. */
const RECORD_OVERHEAD = 4096;

export function gw_encode_record(len: i32): i32 {
  const framed = readExchangeFrame(changetype<usize>(input), len, requestBody, responseBody);
  requestBody = null;
  responseBody = null;
  if (framed.error.length > 0) {
    result = String.UTF8.encode(framed.error);
    return -result.byteLength;
  }
  const ex = framed.exchange;
  const reqBody = ex.requestBody;
  const resBody = ex.responseBody;
  const bodies = (reqBody !== null ? reqBody.data.length : 0) + (resBody !== null ? resBody.data.length : 0);
  recordOut.reset();
  recordOut.reserve(len + bodies + RECORD_OVERHEAD);
  writeRecord(new JsonWriter(recordOut), ex, framed.service, framed.moduleVersion, redaction);
  if (bodies > COLLECT_AFTER_BYTES) {
    ex.requestBody = null;
    ex.responseBody = null;
    __collect();
  }
  return recordOut.length;
}

/** Where gw_encode_record put its record's `,"response":` and `,"verdict":` (-1: none): the framing the TME's own producers state. */
export function gw_record_response(): i32 {
  return RecordMarks.response;
}

export function gw_record_verdict(): i32 {
  return RecordMarks.verdict;
}

/** Where gw_encode_record and gw_redact_record left the record: the encoder's own buffer, read by the host without a copy. */
export function gw_record(): usize {
  return recordOut.dataStart;
}
