// ext_proc mode, enforcing: the TME blocks with an immediate_response (status, message, x-request-id)
// from the filter's engine and the policy it serves, and Envoy's failure handling when the TME is away
// or slow: failure_mode_allow, message_timeout, observability mode.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExtStack, type Gateway } from "../helpers/ext-stack.ts";
import { waitFor } from "../helpers/wait.ts";

const TOKEN = "test-admin-token-0123456789";
const policyDir = mkdtempSync(join(tmpdir(), "gatewarden-policy-"));
const policyFile = join(policyDir, "policy.json");
writeFileSync(
  policyFile,
  JSON.stringify({
    name: "ext-proc-enforce",
    detection: { action: "block" },
    rules: [
      { id: "allow-health", action: "allow", match: { path: { exact: "/healthz" } } },
      { id: "admin", action: "block", match: { path: { prefix: "/admin" } } },
      { id: "watch-beta", action: "monitor", match: { path: { prefix: "/beta" } } },
    ],
    rateLimits: [{ id: "per-key", key: "header:x-api-key", requests: 3, window: "1h", match: { path: { prefix: "/limited" } } }],
  }),
);
after(() => rmSync(policyDir, { recursive: true, force: true }));

describe("blocking through ext_proc", () => {
  let stack: ExtStack;
  let buffered: Gateway;
  let streamed: Gateway;

  before(async () => {
    stack = await ExtStack.start({
      tmeEnv: {
        TME_POLICY_FILE: policyFile,
        TME_ADMIN_TOKEN: TOKEN,
        TME_BLOCKING_STATUS_CODE: "451",
        TME_BLOCKING_MESSAGE: "Blocked by policy",
        TME_BODY_CAPTURE_SIZE: "4096",
      },
    });
    // A patient message_timeout: on a loaded machine the chart's 0.2 s would fail open and let the attack through.
    buffered = await stack.extProc({ requestBodyMode: "BUFFERED", responseBodyMode: "BUFFERED", messageTimeout: "2s" });
    streamed = await stack.extProc({ requestBodyMode: "STREAMED", responseBodyMode: "STREAMED", messageTimeout: "2s" });
  });
  after(async () => {
    await stack?.stop();
  });

  async function expectBlocked(g: Gateway, path: string, init: RequestInit, rule: string, status = 451): Promise<Record<string, unknown>> {
    const { testId, response, body } = await g.send(path, init);
    assert.equal(response.status, status, `${path} should be blocked by ${rule}`);
    if (status === 451) assert.equal(body.toString(), "Blocked by policy");
    assert.equal(stack.upstream.seen.get(testId), undefined, "the upstream must never see the complete request");
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["gatewarden.verdict.action"], "block");
    assert.equal(c.attributes["gatewarden.verdict.rule"], rule);
    assert.equal(c.attributes["http.response.status_code"], status);
    assert.ok(response.headers.get("x-request-id"), "the reply carries x-request-id");
    assert.equal(response.headers.get("x-request-id"), c.attributes["gatewarden.request.id"]);
    return c.attributes;
  }

  test("a rule blocks on the head with the configured status and message", async () => {
    await expectBlocked(buffered, "/admin/users", {}, "admin");
    const { testId, response } = await buffered.send("/healthz?q=' or 1=1--");
    assert.equal(response.status, 200, "an allow rule skips detection, as in the filter");
    assert.equal(stack.upstream.seen.get(testId), 1);
  });

  test("detection blocks an attack in the query, and in a JSON body (BUFFERED and STREAMED)", async () => {
    const q = await expectBlocked(buffered, "/search?q=1' or '1'='1", {}, "sqli.breakout-logic");
    assert.equal(q["gatewarden.verdict.category"], "sqli");
    for (const g of [buffered, streamed]) {
      const a = await expectBlocked(
        g,
        "/api/comments",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "<script>alert(1)</script>" }),
        },
        "xss.script-tag",
      );
      assert.equal(a["gatewarden.verdict.location"], "body.json:$.text");
    }
  });

  test("a body is inspected whatever its content type, and one that is not captured is not recorded", async () => {
    for (const g of [buffered, streamed]) {
      const a = await expectBlocked(
        g,
        "/login",
        { method: "POST", headers: { "content-type": "text/plain" }, body: "email=admin%40example.com'%20or%201%3D1--" },
        "sqli.breakout-logic",
      );
      assert.equal(a["gatewarden.verdict.location"], "body.form:email");
      assert.equal(a["http.request.body"], undefined, "text/plain is inspected, not captured");
      await expectBlocked(g, "/login", { method: "POST", body: "email=admin%40example.com'%20or%201%3D1--" }, "sqli.breakout-logic");
    }
    const metrics = await (await fetch(`${stack.tme!.url}/metrics`)).text();
    const line = metrics
      .split("\n")
      .find((l) => l.startsWith("tme_detections_total{") && l.includes('rule="sqli.breakout-logic"') && l.includes('action="block"'));
    assert.ok(
      line !== undefined && Number(line.split(" ").pop()) >= 5,
      `tme_detections_total counts per category, rule and action: ${line}`,
    );
  });

  test("STREAMED: an attack in the first part of a large body stops the request before its end reaches the upstream", async () => {
    const body = JSON.stringify({ text: "<script>alert(1)</script>", pad: "p".repeat(1024 * 1024) });
    await expectBlocked(
      streamed,
      "/api/upload",
      { method: "POST", headers: { "content-type": "application/json" }, body },
      "xss.script-tag",
    );
  });

  test("a monitor rule is recorded and the request passes", async () => {
    const { testId, response } = await buffered.send("/beta/x");
    assert.equal(response.status, 200);
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["gatewarden.verdict.action"], "monitor");
    assert.equal(c.attributes["gatewarden.verdict.rule"], "watch-beta");
  });

  test("rate limits answer 429 past the window's budget, per key", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await buffered.send("/limited", { headers: { "x-api-key": "client-a" } })).response.status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal((await buffered.send("/limited", { headers: { "x-api-key": "client-b" } })).response.status, 200);
  });

  test("the TME's deny list applies at once", async () => {
    const add = await fetch(`${stack.tme!.url}/v1/admin/denylist`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "abuser", ttlSeconds: 60 }),
    });
    assert.equal(add.status, 200);
    await expectBlocked(buffered, "/anything", { headers: { "x-api-key": "abuser" } }, "denylist");
    assert.equal((await buffered.send("/anything", { headers: { "x-api-key": "someone" } })).response.status, 200);
  });
});

describe("the TME away or slow", () => {
  test("TME down: failure_mode_allow true lets traffic through, false answers Envoy's error status", async () => {
    const stack = await ExtStack.start({ withoutTme: true });
    try {
      const open = await stack.extProc({ allowFailureMode: true });
      const closed = await stack.extProc({ allowFailureMode: false });
      const a = await open.send("/anything", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      assert.equal(a.response.status, 200);
      assert.equal(stack.upstream.seen.get(a.testId), 1);
      const b = await closed.send("/anything");
      assert.equal(b.response.status, 500);
      assert.equal(stack.upstream.seen.get(b.testId), undefined);
    } finally {
      await stack.stop();
    }
  });

  test("a TME slower than message_timeout: fail open passes after the timeout, fail closed answers 504; observability mode never waits", async () => {
    // TME_EXTPROC_TEST_DELAY_MS (tests only) delays each of the TME's replies.
    const stack = await ExtStack.start({ tmeEnv: { TME_EXTPROC_TEST_DELAY_MS: "1500" } });
    try {
      const open = await stack.extProc({ allowFailureMode: true, messageTimeout: "0.2s" });
      const closed = await stack.extProc({ allowFailureMode: false, messageTimeout: "0.2s" });
      const patient = await stack.extProc({
        allowFailureMode: false,
        messageTimeout: "5s",
        requestBodyMode: "NONE",
        responseBodyMode: "NONE",
      });
      const observing = await stack.extProc({ observabilityMode: true, requestBodyMode: "STREAMED", responseBodyMode: "STREAMED" });

      const timed = async (g: Gateway, init: RequestInit = {}) => {
        const started = performance.now();
        const s = await g.send("/api/x", init);
        return { ...s, ms: performance.now() - started };
      };
      const a = await timed(open);
      assert.equal(a.response.status, 200);
      assert.ok(a.ms < 1400, `fail open should not wait for the slow TME (${a.ms} ms)`);
      const b = await timed(closed);
      assert.equal(b.response.status, 504);
      assert.ok(b.ms < 1400, `${b.ms} ms`);
      const c = await timed(patient);
      assert.equal(c.response.status, 200);
      assert.ok(c.ms >= 1500 * 2 - 100, `with a long message_timeout each message waits for the TME (${c.ms} ms)`);

      const body = JSON.stringify({ hello: "world" });
      const d = await timed(observing, { method: "POST", headers: { "content-type": "application/json" }, body });
      assert.equal(d.response.status, 200);
      assert.ok(d.ms < 500, `observability mode must not wait for the TME (${d.ms} ms)`);
      const capture = await stack.captureOf(d.testId);
      assert.equal(capture.attributes["http.request.body"], body);
      assert.equal(capture.attributes["http.response.status_code"], 200);
      assert.equal(typeof capture.attributes["http.response.body"], "string");
    } finally {
      await stack.stop();
    }
  });
});

test("observability mode: nothing is blocked, the verdict is still recorded", async () => {
  const stack = await ExtStack.start({ tmeEnv: { TME_POLICY_FILE: policyFile } });
  try {
    const g = await stack.extProc({ observabilityMode: true, requestBodyMode: "STREAMED", responseBodyMode: "STREAMED" });
    const { testId, response } = await g.send("/admin/users");
    assert.equal(response.status, 200);
    assert.equal(stack.upstream.seen.get(testId), 1);
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["gatewarden.verdict.rule"], "admin");
    assert.equal(c.attributes["http.response.status_code"], 200);
    // The TME closes each observed stream once the exchange is recorded, so Envoy does not hold it (and
    // what it buffered) until its deferred-close timeout.
    for (let i = 0; i < 10; i++) assert.equal((await g.send("/api/items")).response.status, 200);
    await waitFor(
      "the observed streams to close",
      async () => ((await g.stat("gatewarden_tme_grpc.upstream_rq_active")) === 0 ? true : undefined),
      2000,
    );
  } finally {
    await stack.stop();
  }
});
