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

interface Exports {
  memory: WebAssembly.Memory;
  gw_input(size: number): number;
  gw_result(): number;
  gw_configure(len: number): number;
  gw_inspect(m: number, p: number, q: number, h: number, c: number, b: number): number;
  gw_validate_policy(len: number): number;
}

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
