// ext_authz mode: Envoy's ext_authz filter (what Istio's AuthorizationPolicy with a CUSTOM provider
// configures) asks the TME's Authorization service; the verdicts are the filter's, a block is a denied
// response with the blocking status and message. And Envoy's failure mode with the TME away.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExtStack, type Gateway } from "../helpers/ext-stack.ts";

const policyDir = mkdtempSync(join(tmpdir(), "gatewarden-policy-"));
const policyFile = join(policyDir, "policy.json");
writeFileSync(
  policyFile,
  JSON.stringify({
    name: "ext-authz",
    detection: { action: "block" },
    rules: [{ id: "admin", action: "block", match: { path: { prefix: "/admin" } } }],
    rateLimits: [{ id: "per-key", key: "header:x-api-key", requests: 2, window: "1h", match: { path: { prefix: "/limited" } } }],
  }),
);
after(() => rmSync(policyDir, { recursive: true, force: true }));

describe("verdicts through ext_authz", () => {
  let stack: ExtStack;
  let g: Gateway;

  before(async () => {
    stack = await ExtStack.start({
      tmeEnv: { TME_POLICY_FILE: policyFile, TME_BLOCKING_STATUS_CODE: "451", TME_BLOCKING_MESSAGE: "Blocked by policy" },
    });
    g = await stack.extAuthz();
  });
  after(async () => {
    await stack?.stop();
  });

  async function expectDenied(path: string, init: RequestInit = {}, status = 451): Promise<void> {
    const { testId, response, body } = await g.send(path, init);
    assert.equal(response.status, status, `${path} should be denied`);
    if (status === 451) assert.equal(body.toString(), "Blocked by policy");
    assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(stack.upstream.seen.get(testId), undefined, "a denied request never reaches the upstream");
  }

  test("clean requests pass, with their bodies", async () => {
    const { testId, response, body } = await g.send("/api/orders?id=7", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"sku":"A-1"}',
    });
    assert.equal(response.status, 200);
    assert.equal((JSON.parse(body.toString()) as { body: string }).body, '{"sku":"A-1"}');
    assert.equal(stack.upstream.seen.get(testId), 1);
  });

  test("rules, detection on the head and in the body (with_request_body), rate limits", async () => {
    await expectDenied("/admin/users");
    await expectDenied("/search?q=1' or '1'='1");
    await expectDenied("/api/comments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "<script>alert(1)</script>" }),
    });
    await expectDenied("/api/form", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "file=../../../../etc/passwd",
    });
    // Inspected whatever its content type, as in the filter: text/plain, or none at all.
    await expectDenied("/api/text", { method: "POST", headers: { "content-type": "text/plain" }, body: "<script>alert(1)</script>" });
    await expectDenied("/api/login", { method: "POST", body: "email=admin%40example.com'%20or%201%3D1--" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await g.send("/limited", { headers: { "x-api-key": "k1" } })).response.status);
    assert.deepEqual(statuses, [200, 200, 429, 429]);
  });
});

describe("the TME away", () => {
  test("failure_mode_allow true lets traffic through; false denies it (403)", async () => {
    const stack = await ExtStack.start({ withoutTme: true });
    try {
      const open = await stack.extAuthz({ allowFailureMode: true });
      const closed = await stack.extAuthz({ allowFailureMode: false });
      const a = await open.send("/anything");
      assert.equal(a.response.status, 200);
      assert.equal(stack.upstream.seen.get(a.testId), 1);
      const b = await closed.send("/anything");
      assert.equal(b.response.status, 403);
      assert.equal(stack.upstream.seen.get(b.testId), undefined);
    } finally {
      await stack.stop();
    }
  });
});
