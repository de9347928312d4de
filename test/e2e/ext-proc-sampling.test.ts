// TME_STORE_SAMPLE_RATE in ext_proc mode, through a real Envoy and the built TME: the TME stores a
// counted share of the exchanges without a verdict (spool, /v1/captures), every blocked one, and the
// inventory counts every request whatever was stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExtStack, type Gateway } from "../helpers/ext-stack.ts";
import { waitFor } from "../helpers/wait.ts";

const ATTACK = "/api/search?q=1'%20OR%20'1'='1";
const PLAIN = 10;
const ATTACKS = 2;

async function withStack(rate: string, run: (stack: ExtStack, gateway: Gateway) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gatewarden-policy-"));
  const policyFile = join(dir, "policy.json");
  writeFileSync(policyFile, JSON.stringify({ name: "sampling", detection: { action: "block" } }));
  const stack = await ExtStack.start({ tmeEnv: { TME_STORE_SAMPLE_RATE: rate, TME_POLICY_FILE: policyFile } });
  try {
    // A patient message_timeout: on a loaded machine the chart's 0.2 s would fail open and let the attack through.
    await run(stack, await stack.extProc({ messageTimeout: "2s" }));
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PLAIN ordinary requests, then ATTACKS blocked ones, one after the other. */
async function sendTraffic(gateway: Gateway): Promise<void> {
  for (let i = 1; i <= PLAIN; i++) assert.equal((await gateway.send(`/api/items/${i}?page=${i}`)).response.status, 200);
  for (let i = 0; i < ATTACKS; i++) assert.equal((await gateway.send(ATTACK)).response.status, 403);
}

/** Calls per endpoint, once the inventory has counted every request sent. */
async function everyRequestCounted(stack: ExtStack): Promise<Map<string, number>> {
  return waitFor("the inventory to count every request", async () => {
    const res = await stack.tmeGet("/v1/apis");
    assert.equal(res.status, 200);
    const { endpoints } = (await res.json()) as { endpoints: { method: string; template: string; count: number }[] };
    const counts = new Map(endpoints.map((e) => [`${e.method} ${e.template}`, e.count]));
    return [...counts.values()].reduce((a, b) => a + b, 0) >= PLAIN + ATTACKS ? counts : undefined;
  });
}

/** GET /v1/sampling: in ext_proc mode every record arrives in full, so the filter's rate reads 1. */
async function assertSamplingView(stack: ExtStack, storeSampleRate: number, stored: number): Promise<void> {
  const res = await stack.tmeGet("/v1/sampling");
  assert.equal(res.status, 200);
  const view = (await res.json()) as Record<string, unknown>;
  assert.deepEqual([view.storeSampleRate, view.filterSampleRate, view.counted, view.stored], [storeSampleRate, 1, PLAIN + ATTACKS, stored]);
}

function isAttack(path: unknown): boolean {
  return path === "/api/search";
}

test("TME_STORE_SAMPLE_RATE 0 in ext_proc mode: only the blocked exchanges are stored, the inventory counts every request", async () => {
  await withStack("0", async (stack, gateway) => {
    await sendTraffic(gateway);
    const counts = await everyRequestCounted(stack);
    assert.equal(counts.get("GET /api/items/{itemId}"), PLAIN);
    assert.equal(counts.get("GET /api/search"), ATTACKS);

    const spooled = stack.spooledRecords();
    assert.deepEqual(
      spooled.map((r) => [r.source, r.record.request.path, r.record.verdict?.action]),
      Array.from({ length: ATTACKS }, () => ["ext_proc", "/api/search", "block"]),
    );
    const captures = await stack.captures();
    assert.deepEqual(
      captures.map((c) => c.attributes["gatewarden.verdict.action"]),
      Array.from({ length: ATTACKS }, () => "block"),
    );
    assert.equal(await stack.tmeMetric("tme_records_not_stored_total"), PLAIN);
    await assertSamplingView(stack, 0, ATTACKS);
  });
});

test("TME_STORE_SAMPLE_RATE 0.5 in ext_proc mode: exactly half the ordinary exchanges and every blocked one are stored", async () => {
  await withStack("0.5", async (stack, gateway) => {
    await sendTraffic(gateway);
    const counts = await everyRequestCounted(stack);
    assert.equal(counts.get("GET /api/items/{itemId}"), PLAIN);
    assert.equal(counts.get("GET /api/search"), ATTACKS);

    const spooled = stack.spooledRecords();
    assert.equal(spooled.filter((r) => isAttack(r.record.request.path) && r.record.verdict?.action === "block").length, ATTACKS);
    const plain = spooled.filter((r) => !isAttack(r.record.request.path));
    assert.equal(plain.length, PLAIN / 2, JSON.stringify(plain.map((r) => r.record.request.path)));
    // Stored in full, as captured: the query is there.
    for (const r of plain) assert.match(r.record.request.query, /^page=\d+$/);
    assert.equal((await stack.captures()).length, PLAIN / 2 + ATTACKS);
    assert.equal(await stack.tmeMetric("tme_records_not_stored_total"), PLAIN / 2);
    await assertSamplingView(stack, 0.5, PLAIN / 2 + ATTACKS);
  });
});
