// Policy and deny list served by the TME and picked up by every worker without a restart, and rate
// limits shared across workers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const TOKEN = "test-admin-token-0123456789";
let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    concurrency: 2,
    tmeEnv: { TME_ADMIN_TOKEN: TOKEN },
    pluginConfig: {
      ...FAST_REPORTS,
      enforcement: { refreshInterval: "200ms" },
      policy: {
        detection: false,
        rateLimits: [{ id: "per-key", key: "header:x-api-key", requests: 5, window: "1h", match: { path: { prefix: "/limited" } } }],
      },
    },
  });
});
after(async () => {
  await stack?.stop();
});

function admin(path: string, init: RequestInit & { body?: string } = {}): Promise<Response> {
  return fetch(stack.tme!.url + path, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });
}

async function statusOf(path: string, headers: Record<string, string> = {}): Promise<number> {
  return (await stack.sendHttp(path, { headers })).status;
}

test("a rate limit is shared across Envoy's workers", async () => {
  const statuses: number[] = [];
  // Fresh connections in parallel, so both workers take some.
  for (let round = 0; round < 4; round++) {
    statuses.push(...(await Promise.all(Array.from({ length: 5 }, () => statusOf("/limited", { "x-api-key": "client-a" })))));
  }
  assert.equal(statuses.filter((s) => s === 200).length, 5, `statuses: ${statuses.join(",")}`);
  assert.equal(statuses.filter((s) => s === 429).length, 15);
  // Another key has its own budget; a request without the key is not limited by it.
  assert.equal(await statusOf("/limited", { "x-api-key": "client-b" }), 200);
  assert.equal(await statusOf("/limited"), 200);
  const stats = await stack.stats();
  assert.ok(stats.get("gatewarden_blocked_ratelimit_total")! >= 15);
});

test("a policy put to the TME is enforced by every worker without a restart", async () => {
  assert.equal(await statusOf("/reports"), 200);
  const put = await admin("/v1/policy", {
    method: "PUT",
    body: JSON.stringify({
      name: "hot",
      detection: false,
      rules: [{ id: "no-reports", action: "block", match: { path: { prefix: "/reports" } } }],
    }),
  });
  assert.equal(put.status, 200);
  const { revision } = (await put.json()) as { revision: number };
  await waitFor("the new policy to apply on both workers", async () => {
    const statuses = await Promise.all(Array.from({ length: 6 }, () => statusOf("/reports")));
    return statuses.every((s) => s === 403) ? true : undefined;
  });
  assert.equal((await stack.stats()).get("gatewarden_policy_revision"), revision);
});

test("an invalid policy is refused by the TME naming the field, and the last good one stays", async () => {
  const put = await admin("/v1/policy", {
    method: "PUT",
    body: JSON.stringify({ rules: [{ id: "x", action: "block", match: { clientIp: ["10.0.0.0/33"] } }] }),
  });
  assert.equal(put.status, 400);
  assert.match(((await put.json()) as { error: string }).error, /rules\[0\]\.match\.clientIp\[0\]: not an IP address or CIDR range/);
  const unauthorized = await fetch(stack.tme!.url + "/v1/policy", { method: "PUT", body: "{}" });
  assert.equal(unauthorized.status, 401);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await statusOf("/reports"), 403);
});

test("the deny list blocks a client within two seconds, and lets it go when the entry expires", async () => {
  assert.equal(await statusOf("/anything", { "x-api-key": "abuser" }), 200);
  const add = await admin("/v1/admin/denylist", { method: "POST", body: JSON.stringify({ key: "abuser", ttlSeconds: 3 }) });
  assert.equal(add.status, 200);
  const addedAt = Date.now();
  await waitFor(
    "the deny list to apply",
    async () => ((await statusOf("/anything", { "x-api-key": "abuser" })) === 403 ? true : undefined),
    2000,
  );
  assert.ok(Date.now() - addedAt <= 2000);
  assert.equal(await statusOf("/anything", { "x-api-key": "someone-else" }), 200);
  await waitFor(
    "the entry to expire",
    async () => ((await statusOf("/anything", { "x-api-key": "abuser" })) === 200 ? true : undefined),
    6000,
  );
});

test("a client IP on the deny list is blocked until an admin removes it", async () => {
  const add = await admin("/v1/admin/denylist", { method: "POST", body: JSON.stringify({ ip: "127.0.0.1", ttlSeconds: 600 }) });
  assert.equal(add.status, 200);
  await waitFor("the deny list to apply", async () => ((await statusOf("/anything")) === 403 ? true : undefined), 2000);
  const bad = await admin("/v1/admin/denylist", { method: "POST", body: JSON.stringify({ ip: "not-an-ip", ttlSeconds: 5 }) });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /ip: not an IP address/);
  const del = await admin("/v1/admin/denylist?ip=127.0.0.1", { method: "DELETE" });
  assert.equal(del.status, 200);
  await waitFor("the removal to apply", async () => ((await statusOf("/anything")) === 200 ? true : undefined), 2000);
});
