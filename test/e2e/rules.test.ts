// Blocking by rules, inside the filter: every matcher, actions, the blocking reply and its record.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";

let stack: CaptureStack;

const policy = {
  name: "rules-test",
  detection: false,
  clientIp: { trustedHops: 1 },
  rules: [
    { id: "allow-health", action: "allow", match: { path: { exact: "/healthz" } } },
    { id: "admin", action: "block", match: { path: { prefix: "/admin" } } },
    { id: "exports", action: "block", match: { path: { glob: "/files/*/export.*" } } },
    { id: "php", action: "block", match: { path: { glob: "/**/*.php" } } },
    { id: "nested-delete", action: "block", match: { path: { glob: "/**/admin*/delete" } } },
    { id: "no-delete", action: "block", match: { method: ["DELETE"], path: { prefix: "/orders" } } },
    { id: "internal-host", action: "block", match: { host: { suffix: ".internal", ignoreCase: true } } },
    { id: "debug-header", action: "block", match: { headers: [{ name: "X-Debug" }] } },
    { id: "bad-agent", action: "block", match: { headers: [{ name: "user-agent", contains: "sqlmap", ignoreCase: true }] } },
    { id: "debug-param", action: "block", match: { query: [{ name: "debug mode", exact: "on" }] } },
    { id: "banned-net", action: "block", match: { clientIp: ["203.0.113.0/24", "2001:db8:bad::/48"] } },
    { id: "watch-beta", action: "monitor", match: { path: { prefix: "/beta" } } },
  ],
};

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: {
      ...FAST_REPORTS,
      policy,
      blockingStatusCode: 451,
      blockingMessage: "Blocked by policy",
      enforcement: { refreshInterval: 0 },
    },
  });
});
after(async () => {
  await stack?.stop();
});

async function expectBlocked(path: string, init: RequestInit, rule: string): Promise<void> {
  const { testId, response, body } = await stack.send(path, init);
  assert.equal(response.status, 451, `${path} should be blocked by ${rule}`);
  assert.equal(body.toString(), "Blocked by policy");
  assert.equal(stack.upstream.seen.get(testId), undefined, "a blocked request must never reach the upstream");
  const c = await stack.captureOf(testId);
  assert.equal(c.attributes["gatewarden.verdict.action"], "block");
  assert.equal(c.attributes["gatewarden.verdict.rule"], rule);
  assert.equal(c.attributes["http.response.status_code"], 451);
  assert.equal(response.headers.get("x-request-id"), c.attributes["gatewarden.request.id"], "the reply carries the record's request id");
}

async function expectPassed(path: string, init: RequestInit = {}): Promise<string> {
  const { testId, response } = await stack.send(path, init);
  assert.equal(response.status, 200, `${path} should pass`);
  assert.equal(stack.upstream.seen.get(testId), 1);
  return testId;
}

test("path matchers: exact (allow), prefix and glob", async () => {
  await expectPassed("/healthz");
  await expectBlocked("/admin/users", {}, "admin");
  await expectBlocked("/files/42/export.csv", {}, "exports");
  await expectPassed("/files/42/nested/export.csv");
  await expectPassed("/administrator-guide".replace("administrator-guide", "docs/admin"));
});

test("globs with ** are not bypassed by a segment that matches the rest too early", async () => {
  await expectBlocked("/a/b/c.php", {}, "php");
  await expectBlocked("/a/x.y/c.php", {}, "php");
  await expectPassed("/a/x.y/c.phps");
  await expectBlocked("/x/admin1/y/admin2/delete", {}, "nested-delete");
  await expectPassed("/x/admin1/y/admin2/delete/undo");
});

test("method, host, header presence and value, query parameter (decoded) matchers", async () => {
  await expectBlocked("/orders/1", { method: "DELETE" }, "no-delete");
  await expectPassed("/orders/1", { method: "GET" });
  const viaHost = await stack.sendHttp("/x", { headers: { host: "billing.INTERNAL:8443" } });
  assert.equal(viaHost.status, 451);
  assert.equal(stack.upstream.seen.get(viaHost.testId), undefined);
  assert.equal((await stack.sendHttp("/x", { headers: { host: "billing.example" } })).status, 200);
  await expectBlocked("/x", { headers: { "x-debug": "" } }, "debug-header");
  await expectBlocked("/x", { headers: { "user-agent": "Mozilla/5.0 SQLMap/1.7" } }, "bad-agent");
  await expectBlocked("/x?a=1&debug+mode=on", {}, "debug-param");
  await expectBlocked("/x?debug%20mode=on", {}, "debug-param");
  await expectPassed("/x?debug%20mode=off");
});

test("client IP and CIDR matchers, IPv4 and IPv6, from the trusted x-forwarded-for hop", async () => {
  await expectBlocked("/x", { headers: { "x-forwarded-for": "203.0.113.9" } }, "banned-net");
  await expectBlocked("/x", { headers: { "x-forwarded-for": "198.51.100.1, 2001:db8:bad::17" } }, "banned-net");
  // Only the last hop is trusted: an address the client wrote further left does not count.
  await expectPassed("/x", { headers: { "x-forwarded-for": "203.0.113.9, 198.51.100.1" } });
  await expectPassed("/x", { headers: { "x-forwarded-for": "2001:db8:600d::1" } });
});

test("an allow rule exempts a request from later block rules", async () => {
  await expectPassed("/healthz", { headers: { "x-debug": "1" } });
});

test("monitor reports the match and lets the request through", async () => {
  const testId = await expectPassed("/beta/feature");
  const c = await stack.captureOf(testId);
  assert.equal(c.attributes["gatewarden.verdict.action"], "monitor");
  assert.equal(c.attributes["gatewarden.verdict.rule"], "watch-beta");
});

test("verdicts are counted per category in Envoy's metrics", async () => {
  const stats = await stack.stats();
  assert.ok(stats.get("gatewarden_blocked_total")! >= 10, `blocked_total ${stats.get("gatewarden_blocked_total")}`);
  assert.ok(stats.get("gatewarden_blocked_rule_total")! >= 10);
  assert.ok(stats.get("gatewarden_monitored_rule_total")! >= 1);
});
