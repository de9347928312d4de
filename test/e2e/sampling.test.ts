// report.sampleRate through real Envoy and the compiled filter: exchanges left out of the sample are
// reported as summaries, which the TME counts in the inventory but never stores; exchanges with a
// verdict (blocked or monitored) are always reported and stored in full.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const ATTACK = "/api/search?q=1'%20OR%20'1'='1";
const PLAIN = 10;

async function withStack(sampleRate: number, action: "block" | "monitor", run: (stack: CaptureStack) => Promise<void>): Promise<void> {
  const stack = await CaptureStack.start({
    pluginConfig: {
      report: { flushInterval: "50ms", timeout: "1s", sampleRate },
      enforcement: { refreshInterval: 0 },
      policy: { detection: { action } },
    },
  });
  try {
    await run(stack);
  } finally {
    await stack.stop();
  }
}

/** Sends PLAIN ordinary requests and two attacks, one after the other. */
async function sendTraffic(stack: CaptureStack, attackStatus: number): Promise<void> {
  for (let i = 0; i < PLAIN; i++) assert.equal((await stack.send(`/api/items/${i + 1}?page=${i}`)).response.status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await stack.send(ATTACK)).response.status, attackStatus);
}

async function inventoryCounts(stack: CaptureStack): Promise<Map<string, number>> {
  const res = await stack.tmeGet("/v1/apis");
  assert.equal(res.status, 200);
  const { endpoints } = (await res.json()) as { endpoints: { method: string; template: string; count: number }[] };
  return new Map(endpoints.map((e) => [`${e.method} ${e.template}`, e.count]));
}

/** What GET /v1/sampling says of the filter's rate and of what was stored. */
async function samplingView(stack: CaptureStack): Promise<{ filterSampleRate: number | null; counted: number; stored: number }> {
  const res = await stack.tmeGet("/v1/sampling");
  assert.equal(res.status, 200);
  return (await res.json()) as { filterSampleRate: number | null; counted: number; stored: number };
}

async function everyRequestCounted(stack: CaptureStack): Promise<Map<string, number>> {
  return waitFor("the inventory to count every request", async () => {
    const counts = await inventoryCounts(stack);
    return [...counts.values()].reduce((a, b) => a + b, 0) >= PLAIN + 2 ? counts : undefined;
  });
}

test("sampleRate 0: only the blocked exchanges are stored, the inventory counts every request", async () => {
  await withStack(0, "block", async (stack) => {
    await sendTraffic(stack, 403);
    const counts = await everyRequestCounted(stack);
    assert.equal(counts.get("GET /api/items/{itemId}"), PLAIN);
    assert.equal(counts.get("GET /api/search"), 2);
    const captures = await stack.captures();
    assert.deepEqual(
      captures.map((c) => c.attributes["gatewarden.verdict.action"]),
      ["block", "block"],
    );
    assert.equal((await stack.stats()).get("gatewarden_sampled_out_total"), PLAIN);
    assert.equal(await stack.tmeMetric("tme_records_not_stored_total"), PLAIN);
    const view = await samplingView(stack);
    assert.deepEqual([view.filterSampleRate, view.counted, view.stored], [0, PLAIN + 2, 2]);
    // A summary carries no query, and the inventory learned nothing from the summaries.
    const items = ((await (await stack.tmeGet("/v1/apis")).json()) as { endpoints: { id: string; template: string }[] }).endpoints.find(
      (e) => e.template === "/api/items/{itemId}",
    )!;
    const detail = (await (await stack.tmeGet(`/v1/apis/${items.id}`)).json()) as { query?: { properties?: Record<string, unknown> } };
    assert.equal(detail.query?.properties?.page, undefined, JSON.stringify(detail.query));
  });
});

test("sampleRate 0.5: half the ordinary exchanges and every monitored one are stored, the inventory counts all", async () => {
  await withStack(0.5, "monitor", async (stack) => {
    await sendTraffic(stack, 200);
    const counts = await everyRequestCounted(stack);
    assert.equal(counts.get("GET /api/items/{itemId}"), PLAIN);
    assert.equal(counts.get("GET /api/search"), 2);
    const captures = await waitFor("the stored captures", async () => {
      const c = await stack.captures();
      return c.length >= PLAIN / 2 + 2 ? c : undefined;
    });
    await new Promise((done) => setTimeout(done, 300));
    const stored = await stack.captures();
    assert.equal(stored.length, captures.length, "nothing more arrives");
    assert.equal(stored.filter((c) => c.attributes["gatewarden.verdict.action"] === "monitor").length, 2);
    const plain = stored.filter((c) => c.attributes["url.path"] !== "/api/search");
    assert.equal(plain.length, PLAIN / 2);
    // Stored in full: the query and the request headers are there.
    for (const c of plain) assert.match(String(c.attributes["url.query"]), /^page=\d$/);
    assert.equal((await stack.stats()).get("gatewarden_sampled_out_total"), PLAIN / 2);
    const view = await samplingView(stack);
    assert.deepEqual([view.filterSampleRate, view.counted, view.stored], [0.5, PLAIN + 2, PLAIN / 2 + 2]);
  });
});
