// The module is built with AssemblyScript's minimal runtime: garbage is reclaimed only where the module
// asks for it (filter/assembly/memory/collect.ts: at the end of a stream's deletion, of a callout answer,
// of a tick). Run in-process (host/proxy-wasm/host.ts): without those collections the linear memory
// grows with every exchange; with a collection that frees something still in use, a stream's capture is
// overwritten by later exchanges' allocations in the memory it was handed back to.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, serializeHeaders, type HttpCall } from "../../host/proxy-wasm/host.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

const encoder = new TextEncoder();

interface SentRecord {
  id: string;
  request: { body?: { data: string } };
  response: { status: number; body?: { data: string } };
}

function isReport(call: HttpCall): boolean {
  return call.headers.some(([n, v]) => n === ":path" && v === "/v1/records");
}

/** Answers every report out, 200, and returns their records. */
function drainReports(host: ProxyWasmHost): SentRecord[] {
  const records: SentRecord[] = [];
  for (let call: HttpCall | undefined; (call = host.pendingCalls.find(isReport)); ) {
    records.push(...(JSON.parse(call.body.toString()) as { records: SentRecord[] }).records);
    host.answer(call, 200);
  }
  return records;
}

/** A JSON body of about `size` bytes whose content is `seed`'s alone (a pseudo-random hex run). */
function jsonBody(seed: number, size: number): string {
  let x = seed * 2654435761 + 1;
  let hex = "";
  while (hex.length < size) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    hex += x.toString(16);
  }
  return JSON.stringify({ seed, payload: hex.slice(0, size) });
}

function exchangeHeaders(path: string, requestId: string, bodyLength: number): Uint8Array {
  return serializeHeaders([
    [":method", "POST"],
    [":path", path],
    [":authority", "a"],
    [":scheme", "http"],
    ["content-type", "application/json"],
    ["content-length", String(bodyLength)],
    ["x-request-id", requestId],
  ]);
}

const JSON_RESPONSE = serializeHeaders([
  [":status", "200"],
  ["content-type", "application/json"],
]);

test("garbage is collected on the data path: the memory stays flat over 20,000 exchanges without a tick", () => {
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 } }),
  });
  assert.ok(host.start(), host.logs.map((l) => l.message).join("\n"));
  const body = encoder.encode(jsonBody(1, 4096));
  const answer = encoder.encode(jsonBody(2, 4096));
  const data = { requestHeaders: exchangeHeaders("/flat", "flat", body.length), responseHeaders: JSON_RESPONSE };
  const memory = () => host.exports.memory.buffer.byteLength as number;
  let reported = 0;
  let warm = 0;
  for (let i = 0; i < 20_000; i++) {
    const id = 10 + i;
    host.exchange(id, data, body, answer);
    // A full batch goes out from the stream's log callback: the TME takes it at once.
    reported += drainReports(host).length;
    if (i === 2_000) warm = memory();
  }
  // About 20 KiB allocated per exchange: 400 MiB if nothing were reclaimed.
  assert.ok(memory() <= 8 * 2 ** 20, `linear memory ${memory() / 2 ** 20} MiB`);
  assert.equal(memory(), warm, "the memory grew after the first 2,000 exchanges");
  assert.ok(reported >= 20_000 - 64, `reported ${reported}`);
});

test("streams held across many collections, with callouts in flight, keep their bodies byte for byte", () => {
  let clock = 1_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({
      policy: { detection: false, syncCheck: { match: { path: { prefix: "/checked" } } } },
      enforcement: { refreshInterval: 0 },
      report: { flushInterval: "10ms" },
    }),
    now: () => clock,
  });
  assert.ok(host.start(), host.logs.map((l) => l.message).join("\n"));
  const records = new Map<string, SentRecord>();
  const keep = (rs: SentRecord[]) => {
    for (const r of rs) records.set(r.id, r);
  };

  // Filler traffic between every step of the held streams: each filler exchange allocates and frees
  // kilobytes, and the collections it triggers hand memory back to the allocator for the next ones.
  const fillerBody = encoder.encode(jsonBody(7, 3000));
  const fillerData = { requestHeaders: exchangeHeaders("/filler", "filler", fillerBody.length), responseHeaders: JSON_RESPONSE };
  let fillerId = 100_000;
  const filler = (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = fillerId++;
      host.exchange(id, fillerData, fillerBody, fillerBody);
    }
    clock += 1_000_000n;
    host.tick();
    keep(drainReports(host));
  };

  // Held streams: even ones wait on a check from their headers, odd ones pass; their bodies come in
  // chunks of different sizes, so some captures keep the host's first buffer and some copy into their own.
  const held = Array.from({ length: 120 }, (_, i) => {
    const request = encoder.encode(jsonBody(1000 + i, 500 + ((i * 37) % 3000)));
    const response = encoder.encode(jsonBody(5000 + i, 300 + ((i * 53) % 2000)));
    return { id: 10 + i, checked: i % 2 === 0, request, response };
  });
  for (const s of held) {
    host.open(s.id, {
      requestHeaders: exchangeHeaders(`/${s.checked ? "checked" : "open"}/${s.id}`, `held-${s.id}`, s.request.length),
      responseHeaders: JSON_RESPONSE,
    });
    assert.equal(host.requestHeaders(s.id, false), s.checked ? 1 : 0);
    filler(3);
  }
  // A stream reset while its check is out: the waiting call keeps it, and its late answer acts on nothing.
  const reset = 5_000;
  host.open(reset, { requestHeaders: exchangeHeaders("/checked/reset", "reset", 10), responseHeaders: JSON_RESPONSE });
  assert.equal(host.requestHeaders(reset, false), 1);
  host.close(reset);
  filler(50);

  // The checks are answered in a scrambled order, with filler traffic in between.
  const checks = host.pendingCalls.filter((c) => !isReport(c));
  assert.equal(checks.length, held.filter((s) => s.checked).length + 1);
  for (let i = 0; i < checks.length; i++) {
    host.answer(checks[(i * 7) % checks.length], 200, JSON.stringify({ action: "allow" }));
    filler(2);
  }
  assert.deepEqual(host.localReplies, []);
  assert.ok(!host.continued.some((c) => c.context === reset), "the reset stream was continued");

  const cuts = (b: Uint8Array, parts: number) =>
    Array.from({ length: parts }, (_, k) => b.subarray(Math.floor((b.length * k) / parts), Math.floor((b.length * (k + 1)) / parts)));
  for (let part = 0; part < 3; part++) {
    for (const s of held) {
      // Every third stream's body comes whole; the others in three chunks.
      const chunks = s.id % 3 === 0 ? (part === 0 ? [s.request] : []) : [cuts(s.request, 3)[part]];
      for (const c of chunks) host.requestBody(s.id, c, part === 2 || s.id % 3 === 0);
    }
    filler(20);
  }
  for (const s of held) host.responseHeaders(s.id, false);
  filler(20);
  for (let part = 0; part < 2; part++) {
    for (const s of held) host.responseBody(s.id, cuts(s.response, 2)[part], part === 1);
    filler(20);
  }
  for (let i = 0; i < held.length; i++) {
    host.close(held[(i * 11) % held.length].id);
    if (i % 10 === 9) filler(5);
  }
  clock += 20_000_000n;
  host.tick();
  keep(drainReports(host));

  const decoder = new TextDecoder();
  for (const s of held) {
    const r = records.get(`held-${s.id}`);
    assert.ok(r, `no record of stream ${s.id}`);
    assert.equal(r.request.body?.data, decoder.decode(s.request), `stream ${s.id}: request body`);
    assert.equal(r.response.body?.data, decoder.decode(s.response), `stream ${s.id}: response body`);
    assert.equal(r.response.status, 200);
  }
});
