// Behind a load balancer (x-forwarded-for with trusted hops) the record carries the client the filter
// decided on, with Envoy's downstream address beside it, and the TME's auto-deny lists that client, not
// the balancer. The local Envoy (use_remote_address false) already takes the last x-forwarded-for
// entry as its downstream address, so here the balancer is that entry and the policy trusts two hops.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

let stack: CaptureStack;
const CLIENT = "203.0.113.9";
const BALANCER = "198.51.100.1";

before(async () => {
  stack = await CaptureStack.start({
    tmeEnv: { TME_AUTODENY_THRESHOLD: "2", TME_AUTODENY_WINDOW_MS: "60000", TME_AUTODENY_TTL_MS: "60000" },
    pluginConfig: {
      ...FAST_REPORTS,
      enforcement: { refreshInterval: "200ms" },
      policy: { clientIp: { trustedHops: 2 }, detection: { action: "monitor" } },
    },
  });
});
after(async () => {
  await stack?.stop();
});

test("the capture's client.address is the trusted-hop client; the balancer is network.peer.address", async () => {
  const r = await stack.sendHttp("/items", { headers: { "x-forwarded-for": `${CLIENT}, ${BALANCER}` } });
  assert.equal(r.status, 200);
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["client.address"], CLIENT, JSON.stringify(c.attributes));
  assert.equal(c.attributes["network.peer.address"], BALANCER, JSON.stringify(c.attributes));
});

test("auto-deny lists the client behind the balancer, and the filter then blocks it (and only it)", async () => {
  for (let i = 0; i < 2; i++) {
    const r = await stack.sendHttp(`/search?q=%3Cscript%3Ealert(${i})%3C%2Fscript%3E`, {
      headers: { "x-forwarded-for": `${CLIENT}, ${BALANCER}` },
    });
    assert.equal(r.status, 200);
  }
  const list = await waitFor("the client on the deny list", async () => {
    const body = (await (await stack.tmeGet("/v1/denylist")).json()) as { entries: Array<{ ip?: string }> };
    return body.entries.length > 0 ? body.entries : undefined;
  });
  assert.deepEqual(
    list.map((e) => e.ip),
    [CLIENT],
  );
  await waitFor(
    "the filter to block it",
    async () =>
      (await stack.sendHttp("/harmless", { headers: { "x-forwarded-for": `${CLIENT}, ${BALANCER}` } })).status === 403 ? true : undefined,
    5000,
  );
  assert.equal(
    (await stack.sendHttp("/harmless", { headers: { "x-forwarded-for": `203.0.113.10, ${BALANCER}` } })).status,
    200,
    "another client behind the same balancer passes",
  );
});
