// The module's own ABI layer (filter/assembly/host/: streams.ts, callout.ts), run in-process: the
// compiled build/gatewarden.wasm in the proxy-wasm host of host/proxy-wasm/host.ts. Envoy interleaves
// the callbacks of concurrent streams; each must reach its own stream, a callback for a stream the
// module does not know (deleted, never created) must not trap, and each callout answer must reach the
// call it answers, whatever the order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, serializeHeaders, type HttpCall } from "../../host/proxy-wasm/host.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

interface SentRecord {
  id: string;
  request: { path: string };
  response: { status: number };
}

/** The records of every report the module sent, each report answered 200 until none is left. */
function reportedRecords(host: ProxyWasmHost): SentRecord[] {
  const records: SentRecord[] = [];
  for (
    let call: HttpCall | undefined;
    (call = host.pendingCalls.find((c) => c.headers.some(([n, v]) => n === ":path" && v === "/v1/records")));
  ) {
    records.push(...(JSON.parse(call.body.toString()) as { records: SentRecord[] }).records);
    host.answer(call, 200);
  }
  return records;
}

test("interleaved streams each reach their own context, and unknown streams are inert", () => {
  let clock = 1_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 }, report: { flushInterval: "10ms" } }),
    now: () => clock,
  });
  assert.ok(host.start(), host.logs.map((l) => l.message).join("\n"));
  const open = (id: number, requestId: string, status: string) =>
    host.open(id, {
      requestHeaders: serializeHeaders([
        [":method", "GET"],
        [":path", `/s/${requestId}`],
        [":authority", "a"],
        [":scheme", "http"],
        ["x-request-id", requestId],
      ]),
      responseHeaders: serializeHeaders([[":status", status]]),
    });
  open(2, "first", "201");
  open(3, "second", "404");
  // Request headers of both, then the answers in the other order, then both ends.
  assert.equal(host.requestHeaders(2, true), 0);
  assert.equal(host.requestHeaders(3, true), 0);
  assert.equal(host.responseHeaders(3, true), 0);
  assert.equal(host.responseHeaders(2, true), 0);
  host.close(3);
  host.close(2);
  // Callbacks for streams that are gone or never were: no trap, and nothing recorded for them.
  assert.equal(host.on(2, "proxy_on_request_headers", 5, 1), 0);
  assert.equal(host.on(99, "proxy_on_response_body", 10, 1), 0);
  host.on(99, "proxy_on_log");
  host.on(99, "proxy_on_delete");
  clock += 20_000_000n;
  host.tick();

  const reports = host.pendingCalls.map((c) => JSON.parse(c.body.toString()) as { records?: unknown[] } | unknown[]);
  const records = reports.flatMap((r) => (Array.isArray(r) ? r : (r.records ?? []))) as Array<{
    id: string;
    request: { path: string };
    response: { status: number };
  }>;
  const seen = Object.fromEntries(records.map((r) => [r.id, [r.request.path, r.response.status]]));
  assert.deepEqual(seen, { first: ["/s/first", 201], second: ["/s/second", 404] });
});

test("hundreds of streams open at once, ended out of order, each keep their own exchange", () => {
  let clock = 1_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({ policy: { detection: false }, enforcement: { refreshInterval: 0 }, report: { flushInterval: "10ms" } }),
    now: () => clock,
  });
  assert.ok(host.start());
  // More streams than the module's table starts with (64): it grows while they are live.
  const ids = Array.from({ length: 300 }, (_, i) => 10 + i);
  for (const id of ids) {
    host.open(id, {
      requestHeaders: serializeHeaders([
        [":method", "GET"],
        [":path", `/many/${id}`],
        [":authority", "a"],
        [":scheme", "http"],
        ["x-request-id", `r${id}`],
      ]),
      responseHeaders: serializeHeaders([[":status", String(200 + (id % 50))]]),
    });
    assert.equal(host.requestHeaders(id, true), 0);
  }
  // Answers and ends in a scrambled order (a fixed permutation: 7 is prime to 300).
  const order = ids.map((_, i) => ids[(i * 7) % ids.length]);
  for (const id of order) host.responseHeaders(id, true);
  for (const id of order.reverse()) host.close(id);
  clock += 20_000_000n;
  host.tick();
  const records = reportedRecords(host);
  assert.equal(records.length, ids.length);
  for (const r of records) {
    const id = Number(r.id.slice(1));
    assert.deepEqual([r.request.path, r.response.status], [`/many/${id}`, 200 + (id % 50)]);
  }
  // The streams are gone: a late callback for one of them is inert.
  assert.equal(host.on(ids[0], "proxy_on_request_headers", 1, 1), 0);
});

test("callout answers reach their own call in any order; only a stream's answer switches the effective context", () => {
  let clock = 1_000_000_000n;
  const host = new ProxyWasmHost({
    wasm: WASM_PATH,
    configuration: JSON.stringify({
      policy: { detection: false, syncCheck: { match: { path: { prefix: "/checked" } } } },
      enforcement: { refreshInterval: 0 },
      report: { flushInterval: "10ms" },
    }),
    now: () => clock,
    countCalls: true,
  });
  assert.ok(host.start());
  for (const id of [2, 3]) {
    host.open(id, {
      requestHeaders: serializeHeaders([
        [":method", "GET"],
        [":path", `/checked/${id}`],
        [":authority", "a"],
        [":scheme", "http"],
        ["x-request-id", `c${id}`],
      ]),
      responseHeaders: serializeHeaders([[":status", "200"]]),
    });
    assert.equal(host.requestHeaders(id, true), 1, "the headers wait for the check");
  }
  const checks = host.pendingCalls.slice();
  assert.deepEqual(
    checks.map((c) => c.context),
    [2, 3],
  );
  host.callsPerImport.clear();
  // The later call is answered first.
  host.answer(checks[1], 200, JSON.stringify({ action: "block" }));
  host.answer(checks[0], 200, JSON.stringify({ action: "allow" }));
  assert.deepEqual(
    host.localReplies.map((r) => [r.context, r.status]),
    [[3, 403]],
  );
  assert.deepEqual(host.continued, [{ context: 2, stream: 0 }]);
  assert.equal(host.callsPerImport.get("proxy_set_effective_context"), 2, "one switch per check answer");

  host.responseHeaders(2, true);
  host.close(2);
  host.close(3);
  clock += 20_000_000n;
  host.tick();
  host.callsPerImport.clear();
  const records = reportedRecords(host);
  assert.deepEqual(records.map((r) => r.id).sort(), ["c2", "c3"]);
  assert.equal(
    host.callsPerImport.get("proxy_set_effective_context") ?? 0,
    0,
    "a report is answered on the root, which is already effective",
  );
});
