// The TME's credentials through the real gateway: the filter's reports, polls and checks carry the
// agent token and are accepted; anyone else who reaches the TME port cannot forge a record (one with
// an attack verdict would put any IP on the deny list), read captures, or poll policy and deny list.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import batch from "../tme/fixtures/gatewarden-batch.json" with { type: "json" };
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";
import { STACK_ADMIN_TOKEN, STACK_AGENT_TOKEN } from "../helpers/captures.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    tmeEnv: { TME_AUTODENY_THRESHOLD: "1" },
    pluginConfig: { ...FAST_REPORTS, enforcement: { refreshInterval: "200ms" } },
  });
});
after(async () => {
  await stack?.stop();
});

function forged(): unknown {
  const record = structuredClone(batch.records[0]) as Record<string, any>;
  record.client.address = "198.51.100.77";
  record.verdict = { action: "monitor", category: "sqli", location: "query:id" };
  return { records: [record] };
}

async function unauthorizedCount(): Promise<number> {
  return stack.tmeMetric("gatewarden_tme_unauthorized_total");
}

test("the filter's reports carry the agent token and are captured", async () => {
  const sent = await stack.send("/anything", { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
  assert.equal(sent.response.status, 200);
  const capture = await stack.captureOf(sent.testId);
  assert.equal(capture.attributes["http.request.body"], '{"a":1}');
});

test("a forged record without the agent token is refused with 401, counted, and denies nobody", async () => {
  const before = await unauthorizedCount();
  const url = stack.tme!.url + "/v1/records";
  const none = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forged()) });
  assert.equal(none.status, 401);
  const wrong = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gatewarden-agent-token": STACK_AGENT_TOKEN.slice(0, -1) + "X" },
    body: JSON.stringify(forged()),
  });
  assert.equal(wrong.status, 401);
  assert.equal(await unauthorizedCount(), before + 2);
  const list = (await (await stack.tmeGet("/v1/denylist")).json()) as { entries: unknown[] };
  assert.deepEqual(list.entries, []);
  assert.equal(
    (await stack.captures()).some((c) => c.attributes["client.address"] === "198.51.100.77"),
    false,
  );
});

test("ext_cap ingest, checks and the filter's polls need the agent token", async () => {
  const url = stack.tme!.url;
  for (const [method, path] of [
    ["POST", "/ext_cap/v1/req_res_cap"],
    ["POST", "/v1/check"],
    ["GET", "/v1/policy"],
    ["GET", "/v1/denylist"],
  ] as const) {
    const res = await fetch(url + path, { method, ...(method === "POST" ? { body: "{}" } : {}) });
    assert.equal(res.status, 401, `${method} ${path}`);
  }
});

test("reading captures needs the admin token; liveness and metrics stay open", async () => {
  const url = stack.tme!.url;
  assert.equal((await fetch(url + "/v1/captures")).status, 401);
  assert.equal((await fetch(url + "/v1/captures", { headers: { "x-gatewarden-agent-token": STACK_AGENT_TOKEN } })).status, 401);
  assert.equal((await fetch(url + "/v1/captures", { headers: { authorization: `Bearer ${STACK_ADMIN_TOKEN}` } })).status, 200);
  assert.equal((await fetch(url + "/healthz")).status, 200);
  assert.equal((await fetch(url + "/metrics")).status, 200);
});
