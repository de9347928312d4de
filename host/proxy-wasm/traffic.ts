// The soak's traffic through the in-process host, without Envoy: a steady stream of one exchange (a
// 4 KiB JSON POST, answered with the demo upstream's JSON echo of it) on a simulated clock, a tick
// every 100 ms and a TME that answers each report a fixed latency after it went out. What one worker's
// Wasm heap does under `npm run soak`, in seconds and deterministically (bench/heap.ts,
// test/filter/heap.test.ts).
import { ProxyWasmHost, serializeHeaders, type HttpCall } from "./host.ts";

/** The soak's request body (`npm run soak`): 4 KiB of JSON, sixty small items and padding. */
export function soakRequestBody(): string {
  const body = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b"] })), pad: "" });
  return `${body.slice(0, -2)}${"x".repeat(4096 - body.length)}"}`;
}

export interface TrafficOptions {
  wasm?: string;
  /** Plugin configuration, over `{enforcement: {refreshInterval: 0}}` (nothing answers policy polls). */
  configuration: Record<string, unknown>;
  exchanges: number;
  /** Exchanges per simulated second. */
  rate: number;
  /** How long the TME takes to answer a report, in ms of the simulated clock. */
  latencyMs: number;
  /** Called whenever the linear memory grew, with its size in bytes. */
  onGrow?: (exchanges: number, bytes: number) => void;
}

export interface TrafficResult {
  /** The linear memory at the end: Wasm memory never shrinks, so this is the high-water mark. */
  memoryBytes: number;
  reported: bigint;
  dropped: bigint;
}

const TICK_NS = 100_000_000n;

export function runSoakTraffic(opts: TrafficOptions): TrafficResult {
  const encoder = new TextEncoder();
  const requestBody = soakRequestBody();
  const requestHeaders: Array<[string, string]> = [
    [":authority", "127.0.0.1:10000"],
    [":path", "/soak?x=1"],
    [":method", "POST"],
    [":scheme", "http"],
    ["content-type", "application/json"],
    ["content-length", String(requestBody.length)],
    ["user-agent", "autocannon"],
    ["x-forwarded-proto", "http"],
    ["x-request-id", "8f2c1a9e-1234-4abc-9def-0123456789ab"],
  ];
  const responseBody = encoder.encode(
    JSON.stringify({
      method: "POST",
      path: "/soak",
      query: "x=1",
      headers: Object.fromEntries(requestHeaders.filter(([n]) => !n.startsWith(":"))),
      body: requestBody,
    }),
  );
  const requestBytes = encoder.encode(requestBody);
  const data = {
    requestHeaders: serializeHeaders(requestHeaders),
    responseHeaders: serializeHeaders([
      [":status", "200"],
      ["content-type", "application/json"],
      ["x-upstream", "echo"],
      ["content-length", String(responseBody.length)],
    ]),
  };

  let clock = 1_000_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: opts.wasm,
    configuration: JSON.stringify({ enforcement: { refreshInterval: 0 }, ...opts.configuration }),
    properties: new Map([
      ["source\0address", encoder.encode("127.0.0.1:50000")],
      ["request\0protocol", encoder.encode("HTTP/1.1")],
    ]),
    now: () => clock,
  });
  if (!host.start()) throw new Error(`the plugin refused its configuration: ${host.logs.map((l) => l.message).join("\n")}`);

  const stepNs = BigInt(Math.round(1e9 / opts.rate));
  const latencyNs = BigInt(Math.round(opts.latencyMs * 1e6));
  const sentAt = new Map<HttpCall, bigint>();
  const memory = () => host.exports.memory.buffer.byteLength as number;
  let nextTick = clock + TICK_NS;
  let last = memory();
  for (let i = 1; i <= opts.exchanges; i++) {
    const id = 100 + i;
    host.exchange(id, data, requestBytes, responseBody);
    clock += stepNs;
    if (clock >= nextTick) {
      nextTick += TICK_NS;
      host.tick();
    }
    // The TME answers, 200, every report out for at least the latency.
    for (const call of host.pendingCalls) if (!sentAt.has(call)) sentAt.set(call, clock);
    for (const call of host.pendingCalls.slice()) {
      if (clock - sentAt.get(call)! < latencyNs) continue;
      sentAt.delete(call);
      host.answer(call, 200);
    }
    if (memory() !== last) {
      last = memory();
      opts.onGrow?.(i, last);
    }
  }
  return { memoryBytes: memory(), reported: host.metric("gatewarden_reported_total"), dropped: host.metric("gatewarden_dropped_total") };
}
