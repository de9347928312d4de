// Loads the host-independent engine (build/gatewarden-engine.wasm, built by `npm run build:engine`)
// into Node, for the TME and the benchmarks. Same AssemblyScript code as the filter runs in Envoy, so
// both give the same verdicts.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface DetectRequest {
  method: string;
  /** Path without the query, as received. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: Array<[string, string]>;
  contentType?: string;
  body?: Uint8Array;
}

export interface Finding {
  category: string;
  rule: string;
  location: string;
  snippet: string;
}

export interface DetectOptions {
  categories?: string[];
  headers?: string[];
  maxBodyBytes?: number;
}

export interface DecideSettings {
  /** The body capture size: at most this many body bytes are inspected. */
  maxBodyBytes: number;
  /** The blocking status when neither the verdict nor the policy sets one. */
  blockingStatusCode: number;
  /** The blocking message when the policy sets none. */
  blockingMessage: string;
}

export interface DecideRequest {
  /** The request headers in order, with their pseudo-headers (:method, :path, :authority, …). */
  headers: Array<[string, string]>;
  /** The body captured so far (at most maxBodyBytes are read). */
  body?: Uint8Array;
  /** The peer address, without port. */
  peer: string;
}

export type DecideAction = "none" | "allow" | "monitor" | "block";

export interface Decision {
  /** The verdict to record, when the call produced one (for a body phase: one that replaces the head's). */
  verdict?: { action: Exclude<DecideAction, "none">; rule: string; category: string; location?: string; snippet?: string };
  /** Blocked: the reply's status and message. */
  reply?: { status: number; message: string };
  /** Detection wants the body: hold it (when captured) and decide again with phase "body". */
  inspectBody: boolean;
  /** The client address after the policy's clientIp.trustedHops. */
  clientIp: string;
}

/** "head": deny list, rules, rate limits (counts the request), detection on the head; "body": detection
 * on the body after a head that asked for it; "all": both at once. */
export type DecidePhase = "head" | "body" | "all";

interface Exports {
  memory: WebAssembly.Memory;
  gw_input(size: number): number;
  gw_result(): number;
  gw_configure(len: number): number;
  gw_inspect(m: number, p: number, q: number, h: number, c: number, b: number): number;
  gw_validate_policy(len: number): number;
  gw_set_policy(policyLen: number, settingsLen: number): number;
  gw_set_denylist(len: number): number;
  gw_decide(headersLen: number, bodyLen: number, peerLen: number, phase: number, nowMs: number): number;
  gw_set_redaction(len: number): number;
  gw_redact_record(len: number): number;
  gw_body(which: number, len: number): number;
  gw_encode_record(len: number): number;
  gw_record(): number;
  gw_record_response(): number;
  gw_record_verdict(): number;
}

/** Header and field names whose values redaction replaces (unset: the engine's defaults). */
export interface RedactionNames {
  headers?: readonly string[];
  fields?: readonly string[];
}

/** Captured bytes of a body: `size` is the whole body's length, `cut` says it was cut short whatever the size. */
export interface ExchangeBody {
  data: Uint8Array;
  size: number;
  cut?: boolean;
}

/**
 * One exchange as a producer saw it, for encodeRecord(): the record is then written by the filter's
 * own encoder (capture/exchange.ts writeRecord), the one encoder of every mode.
 */
export interface ExchangeParts {
  id: string;
  service: string;
  moduleVersion: string;
  startNanos: bigint;
  durationNanos: bigint;
  /** The client the policy decided on (after clientIp.trustedHops), the TCP peer, and the peer's port when it is the client. */
  client: { address: string; peer: string; port: number };
  protocol: string;
  /** With the pseudo-headers :method, :scheme, :authority and :path (path and query). */
  requestHeaders: Array<[string, string]>;
  requestTrailers?: Array<[string, string]>;
  requestBody?: ExchangeBody;
  /** With :status. */
  responseHeaders: Array<[string, string]>;
  responseTrailers?: Array<[string, string]>;
  responseBody?: ExchangeBody;
  /** The status when the response headers carry no :status. */
  fallbackStatus?: number;
  verdict?: { action: Exclude<DecideAction, "none">; rule: string; category: string; location?: string; snippet?: string };
}

const ACTIONS: DecideAction[] = ["none", "allow", "monitor", "block"];
const PHASES: Record<DecidePhase, number> = { head: 1, body: 2, all: 3 };

/** capture/exchange-frame.ts: the fixed head before the parts. */
const FRAME_HEAD = 48;

export const defaultWasmPath = fileURLToPath(new URL("../../build/gatewarden-engine.wasm", import.meta.url));

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DetectionEngine {
  private readonly x: Exports;

  private constructor(instance: WebAssembly.Instance) {
    this.x = instance.exports as unknown as Exports;
  }

  static load(wasmPath: string = defaultWasmPath, options?: DetectOptions): DetectionEngine {
    const module = new WebAssembly.Module(readFileSync(wasmPath));
    let engine: DetectionEngine | undefined;
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort(msg: number, file: number, line: number, col: number) {
          const text = engine ? engine.readAsString(msg) : "";
          throw new Error(`detection engine aborted: ${text} at ${engine ? engine.readAsString(file) : "?"}:${line}:${col}`);
        },
      },
    });
    engine = new DetectionEngine(instance);
    if (options) engine.configure(options);
    return engine;
  }

  /** Replaces the options (unset fields take the engine defaults). */
  configure(options: DetectOptions): void {
    const lines: string[] = [];
    if (options.categories) lines.push(`categories=${options.categories.join(",")}`);
    if (options.headers) lines.push(`headers=${options.headers.map((h) => h.toLowerCase()).join(",")}`);
    if (options.maxBodyBytes !== undefined) lines.push(`maxBodyBytes=${options.maxBodyBytes}`);
    const bytes = encoder.encode(lines.join("\n"));
    const ptr = this.x.gw_input(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    if (this.x.gw_configure(bytes.length) !== 0) throw new Error("detection engine rejected the options");
  }

  /** The first finding for the request, or null. */
  inspect(req: DetectRequest): Finding | null {
    const method = encoder.encode(req.method);
    const path = encoder.encode(req.path);
    const query = encoder.encode(req.query);
    const headers = serializeHeaders(req.headers);
    const contentType = encoder.encode((req.contentType ?? "").toLowerCase());
    const body = req.body ?? new Uint8Array(0);
    const total = method.length + path.length + query.length + headers.length + contentType.length + body.length;
    const ptr = this.x.gw_input(total);
    const mem = new Uint8Array(this.x.memory.buffer, ptr, total);
    let at = 0;
    for (const part of [method, path, query, headers, contentType, body]) {
      mem.set(part, at);
      at += part.length;
    }
    const n = this.x.gw_inspect(method.length, path.length, query.length, headers.length, contentType.length, body.length);
    if (n === 0) return null;
    const out = this.x.gw_result();
    const view = new DataView(this.x.memory.buffer, out, n);
    const fields: string[] = [];
    let pos = 16;
    for (let i = 0; i < 4; i++) {
      const len = view.getUint32(i * 4, true);
      fields.push(decoder.decode(new Uint8Array(this.x.memory.buffer, out + pos, len)));
      pos += len;
    }
    const [category = "", rule = "", location = "", snippet = ""] = fields;
    return { category, rule, location, snippet };
  }

  /** undefined when the policy JSON is valid, else the first error, naming the field. */
  validatePolicy(policyJson: string): string | undefined {
    const bytes = encoder.encode(policyJson);
    const ptr = this.x.gw_input(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    const n = this.x.gw_validate_policy(bytes.length);
    if (n === 0) return undefined;
    return decoder.decode(new Uint8Array(this.x.memory.buffer, this.x.gw_result(), n));
  }

  /**
   * Installs the policy that decide() applies (undefined: the built-in policy) with the host's
   * settings; returns the error naming the field, and keeps the previous policy, when it is invalid.
   */
  setPolicy(policyJson: string | undefined, settings: DecideSettings): string | undefined {
    const policy = encoder.encode(policyJson ?? "");
    const lines = [
      `maxBodyBytes=${settings.maxBodyBytes}`,
      `blockingStatusCode=${settings.blockingStatusCode}`,
      `blockingMessage=${settings.blockingMessage.replace(/[\r\n]/g, " ")}`,
    ];
    const text = encoder.encode(lines.join("\n"));
    const ptr = this.x.gw_input(policy.length + text.length);
    const mem = new Uint8Array(this.x.memory.buffer, ptr, policy.length + text.length);
    mem.set(policy, 0);
    mem.set(text, policy.length);
    const n = this.x.gw_set_policy(policy.length, text.length);
    return n === 0 ? undefined : decoder.decode(new Uint8Array(this.x.memory.buffer, this.x.gw_result(), n));
  }

  /** Installs the deny list, as the TME serves it at /v1/denylist; returns an error when it is invalid. */
  setDenyList(denyListJson: string): string | undefined {
    const bytes = encoder.encode(denyListJson);
    const ptr = this.x.gw_input(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    const n = this.x.gw_set_denylist(bytes.length);
    return n === 0 ? undefined : decoder.decode(new Uint8Array(this.x.memory.buffer, this.x.gw_result(), n));
  }

  /**
   * Decides a request as the filter does (policy/decide.ts): deny list, rules, rate limits, detection.
   * `hadVerdict` (body phase): a verdict was recorded at the head, so a monitor finding does not replace it.
   */
  decide(req: DecideRequest, phase: DecidePhase, opts: { hadVerdict?: boolean; nowMs?: number } = {}): Decision {
    const headers = serializeHeaders(req.headers);
    const body = req.body ?? new Uint8Array(0);
    const peer = encoder.encode(req.peer);
    const total = headers.length + body.length + peer.length;
    const ptr = this.x.gw_input(total);
    const mem = new Uint8Array(this.x.memory.buffer, ptr, total);
    mem.set(headers, 0);
    mem.set(body, headers.length);
    mem.set(peer, headers.length + body.length);
    const code = PHASES[phase] | (phase === "body" && opts.hadVerdict ? 4 : 0);
    const n = this.x.gw_decide(headers.length, body.length, peer.length, code, opts.nowMs ?? Date.now());
    const out = this.x.gw_result();
    const view = new DataView(this.x.memory.buffer, out, n);
    const action = ACTIONS[view.getUint32(0, true)] ?? "none";
    const status = view.getUint32(4, true);
    const flags = view.getUint32(8, true);
    const strings: string[] = [];
    let pos = 12 + 6 * 4;
    for (let i = 0; i < 6; i++) {
      const len = view.getUint32(12 + i * 4, true);
      // UTF-16LE, exactly as the engine holds them (see gw_decide).
      strings.push(Buffer.from(this.x.memory.buffer, out + pos, len).toString("utf16le"));
      pos += len;
    }
    const [rule = "", category = "", location = "", snippet = "", message = "", clientIp = ""] = strings;
    const decision: Decision = { inspectBody: (flags & 1) !== 0, clientIp };
    if ((flags & 2) !== 0 && action !== "none") {
      decision.verdict = { action, rule, category };
      if (location !== "") decision.verdict.location = location;
      if (snippet !== "") decision.verdict.snippet = snippet;
    }
    if (action === "block" && (flags & 2) !== 0) decision.reply = { status, message };
    return decision;
  }

  /** Sets the names redactRecord() applies. */
  setRedaction(names: RedactionNames): void {
    const lines: string[] = [];
    if (names.headers) lines.push(`headers=${names.headers.join(",")}`);
    if (names.fields) lines.push(`fields=${names.fields.join(",")}`);
    const text = encoder.encode(lines.join("\n"));
    this.write(text);
    this.x.gw_set_redaction(text.length);
  }

  /**
   * One record (docs/record-format.md) encoded again by the filter's own encoder, redacted and marked
   * `"redacted": true`: the bytes of the redacted record's JSON. Throws when the record cannot be read.
   */
  redactRecordJson(recordJson: string): Uint8Array {
    const bytes = encoder.encode(recordJson);
    this.write(bytes);
    const n = this.x.gw_redact_record(bytes.length);
    if (n < 0) throw new Error(decoder.decode(new Uint8Array(this.x.memory.buffer, this.x.gw_result(), -n)));
    return new Uint8Array(this.x.memory.buffer, this.x.gw_record(), n).slice();
  }

  /** redactRecordJson for a record object. */
  redactRecord<T extends object>(record: T): T & { redacted: true } {
    return JSON.parse(decoder.decode(this.redactRecordJson(JSON.stringify(record)))) as T & { redacted: true };
  }

  /**
   * The record of one exchange (docs/record-format.md), written by the filter's own encoder, redacted
   * under setRedaction()'s names and marked `"redacted": true`: its JSON bytes, one line.
   */
  encodeRecord(ex: ExchangeParts): Buffer {
    const strings = [ex.id, ex.service, ex.moduleVersion, ex.client.address, ex.client.peer, ex.protocol].map((s) => encoder.encode(s));
    const v = ex.verdict;
    // UTF-16LE, as the engine holds them: a snippet may carry lone surrogates that UTF-8 cannot.
    const verdict = [v?.rule ?? "", v?.category ?? "", v?.location ?? "", v?.snippet ?? ""].map((s) => Buffer.from(s, "utf16le"));
    const none = new Uint8Array(0);
    const parts: Uint8Array[] = [
      ...strings,
      serializeHeaders(ex.requestHeaders),
      ex.requestTrailers ? serializeHeaders(ex.requestTrailers) : none,
      serializeHeaders(ex.responseHeaders),
      ex.responseTrailers ? serializeHeaders(ex.responseTrailers) : none,
      ...verdict,
    ];
    // The bodies go straight into the captures the engine holds for them, not through the frame.
    [ex.requestBody, ex.responseBody].forEach((body, which) => {
      if (body === undefined) return;
      const at = this.x.gw_body(which, body.data.length); // may grow the memory: its buffer is read after
      new Uint8Array(this.x.memory.buffer, at, body.data.length).set(body.data);
    });
    const total = FRAME_HEAD + parts.reduce((n, p) => n + 4 + p.length, 0);
    const ptr = this.x.gw_input(total);
    const view = new DataView(this.x.memory.buffer, ptr, total);
    const flags =
      (ex.requestTrailers ? 1 : 0) |
      (ex.requestBody ? 2 : 0) |
      (ex.responseTrailers ? 4 : 0) |
      (ex.responseBody ? 8 : 0) |
      (ex.requestBody?.cut ? 16 : 0) |
      (ex.responseBody?.cut ? 32 : 0) |
      (v ? 64 : 0);
    view.setBigUint64(0, ex.startNanos, true);
    view.setBigUint64(8, ex.durationNanos, true);
    view.setUint32(16, ex.client.port, true);
    view.setUint32(20, ex.fallbackStatus ?? 0, true);
    view.setUint32(24, flags, true);
    view.setBigUint64(28, BigInt(ex.requestBody?.size ?? 0), true);
    view.setBigUint64(36, BigInt(ex.responseBody?.size ?? 0), true);
    view.setUint32(44, v ? ACTIONS.indexOf(v.action) : 0, true);
    const mem = new Uint8Array(this.x.memory.buffer, ptr, total);
    let at = FRAME_HEAD;
    for (const part of parts) {
      view.setUint32(at, part.length, true);
      mem.set(part, at + 4);
      at += 4 + part.length;
    }
    const n = this.x.gw_encode_record(total);
    if (n < 0) throw new Error(decoder.decode(new Uint8Array(this.x.memory.buffer, this.x.gw_result(), -n)));
    return Buffer.from(new Uint8Array(this.x.memory.buffer, this.x.gw_record(), n));
  }

  /**
   * Where the record encodeRecord returned last has its `,"response":` and its `,"verdict":` (-1: none):
   * the framing a producer states to the TME (docs/record-format.md, "Stated framing").
   */
  recordMarks(): { responseAt: number; verdictAt: number } {
    return { responseAt: this.x.gw_record_response(), verdictAt: this.x.gw_record_verdict() };
  }

  /** The engine's linear memory, in bytes (it only grows). */
  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  private write(bytes: Uint8Array): void {
    const ptr = this.x.gw_input(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
  }

  private readAsString(ptr: number): string {
    if (!ptr) return "";
    const mem = this.x.memory.buffer;
    const len = new Uint32Array(mem, ptr - 4, 1)[0];
    return Buffer.from(new Uint8Array(mem, ptr, len)).toString("utf16le");
  }
}

/** Proxy-wasm header map serialisation: count, (name length, value length) pairs, then NUL-terminated data. */
export function serializeHeaders(pairs: Array<[string, string]>): Uint8Array {
  const encoded = pairs.map(([k, v]) => [encoder.encode(k.toLowerCase()), encoder.encode(v)] as const);
  let size = 4 + pairs.length * 8;
  for (const [name, value] of encoded) size += name.length + value.length + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, pairs.length, true);
  let at = 4 + pairs.length * 8;
  encoded.forEach(([name, value], i) => {
    view.setUint32(4 + i * 8, name.length, true);
    view.setUint32(8 + i * 8, value.length, true);
    out.set(name, at);
    at += name.length + 1;
    out.set(value, at);
    at += value.length + 1;
  });
  return out;
}

/** Convenience: one engine per process. */
let shared: DetectionEngine | undefined;
export function inspect(req: DetectRequest): Finding | null {
  shared ??= DetectionEngine.load();
  return shared.inspect(req);
}
