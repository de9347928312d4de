// Monitor mode: attacks are detected and reported, and still reach the upstream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: { ...FAST_REPORTS, enforcement: { refreshInterval: 0 }, policy: { detection: { action: "monitor" } } },
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
  assert.ok(((await stack.stats()).get("gatewarden_monitored_sqli_total") ?? 0) >= 1);
});
