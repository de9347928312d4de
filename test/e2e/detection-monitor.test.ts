// Monitor mode, the blocking reply's status rule and revealRule, and the TME putting a repeat attacker
// on the deny list by itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    tmeEnv: { TME_AUTODENY_THRESHOLD: "3", TME_AUTODENY_WINDOW_MS: "60000", TME_AUTODENY_TTL_MS: "60000" },
    pluginConfig: {
      ...FAST_REPORTS,
      // Not a client error: the filter answers 403 instead.
      blockingStatusCode: 502,
      enforcement: { refreshInterval: "200ms" },
      policy: {
        detection: { action: "monitor" },
        blocking: { revealRule: true },
        rules: [{ id: "closed-area", action: "block", match: { path: { prefix: "/closed" } } }],
      },
    },
  });
});
after(async () => {
  await stack?.stop();
});

test("a monitored attack passes, and its capture carries the verdict", async () => {
  const r = await stack.sendHttp("/items?id=1%27%20OR%20%271%27%3D%271");
  assert.equal(r.status, 200);
  assert.equal(stack.upstream.seen.get(r.testId), 1);
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.action"], "monitor");
  assert.equal(c.attributes["gatewarden.verdict.category"], "sqli");
  assert.equal(c.attributes["gatewarden.verdict.location"], "query:id");
  const stats = await stack.stats();
  assert.ok((stats.get("gatewarden_monitored_sqli_total") ?? 0) >= 1);
  const rule = String(c.attributes["gatewarden.verdict.rule"])
    .replace(/^sqli\./, "")
    .replace(/[^a-z0-9]/g, "_");
  assert.ok((stats.get(`gatewarden_detections_sqli_${rule}_monitor_total`) ?? 0) >= 1, "counted per rule in monitor mode too");
});

test("a blocking status outside 400-499 becomes 403, and revealRule names the rule", async () => {
  const r = await stack.sendHttp("/closed/door");
  assert.equal(r.status, 403);
  assert.equal(r.body, "Access Forbidden (rule closed-area)");
});

test("after repeated attacks the TME puts the client on the deny list, and the filter enforces it", async () => {
  for (let i = 0; i < 3; i++) assert.equal((await stack.sendHttp(`/search?q=%3Cscript%3Ealert(${i})%3C%2Fscript%3E`)).status, 200);
  await waitFor("the client to be denied", async () => ((await stack.sendHttp("/harmless")).status === 403 ? true : undefined), 5000);
  const list = (await (await stack.tmeGet("/v1/denylist")).json()) as { entries: Array<{ ip?: string; reason: string }> };
  assert.equal(list.entries[0]?.ip, "127.0.0.1");
  assert.match(list.entries[0]!.reason, /attacks within/);
});
