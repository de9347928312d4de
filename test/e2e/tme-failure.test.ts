// Traffic never depends on the TME: down, answering 500 or hanging, every client request gets its
// normal upstream answer, failed batches are kept for a retry within the filter's bound and the rest
// dropped and counted, and capture resumes when the TME is back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { CaptureStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

let stack: CaptureStack;

before(async () => {
  // One record per batch and at most two batches pending: the bound is reached quickly.
  stack = await CaptureStack.start({
    pluginConfig: { report: { flushInterval: "50ms", timeout: "500ms", maxBatchRecords: 1, maxPendingBatches: 2 } },
  });
});
after(async () => {
  await stack?.stop();
});

async function sendMany(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { response } = await stack.send(`/status/201?i=${i}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ i }),
    });
    assert.equal(response.status, 201, "the client must get the upstream's status whatever the TME does");
  }
}

async function counter(name: string): Promise<number> {
  return (await stack.stats()).get(name) ?? 0;
}

/** Something else on the TME's port, answering with `handler`. */
async function impostor(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((res) => server.listen(stack.tmePort, "127.0.0.1", () => res()));
  return server;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((res) => server.close(() => res()));
}

async function captureResumes(): Promise<void> {
  const { testId } = await stack.send("/back", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  await stack.captureOf(testId, 30_000);
}

test("with the TME stopped and restarted, traffic flows, drops are counted and capture resumes", async () => {
  await captureResumes();
  await stack.stopTme();
  const dropped = await counter("gatewarden_dropped_total");
  const failures = await counter("gatewarden_report_failures_total");
  const pollFailures = await counter("gatewarden_poll_failures_total");
  await sendMany(20);
  // Two batches are kept for a retry (maxPendingBatches), the older ones dropped.
  await waitFor("the drop counter to move", async () => ((await counter("gatewarden_dropped_total")) >= dropped + 14 ? true : undefined));
  assert.ok((await counter("gatewarden_report_failures_total")) > failures);
  // Policy and deny-list polls (every second by default) fail too, and are counted.
  await waitFor(
    "poll failures to be counted",
    async () => ((await counter("gatewarden_poll_failures_total")) > pollFailures ? true : undefined),
    5000,
  );
  await stack.startTme();
  await captureResumes();
});

test("with the TME answering 500, traffic flows and the failures are counted", async () => {
  await stack.stopTme();
  let hits = 0;
  const server = await impostor((req, res) => {
    hits++;
    req.resume();
    res.writeHead(500).end("broken");
  });
  try {
    const failures = await counter("gatewarden_report_failures_total");
    const dropped = await counter("gatewarden_dropped_total");
    await sendMany(5);
    await waitFor("failures to be counted", async () =>
      (await counter("gatewarden_report_failures_total")) >= failures + 5 ? true : undefined,
    );
    await waitFor("the oldest batches to be dropped", async () =>
      (await counter("gatewarden_dropped_total")) >= dropped + 3 ? true : undefined,
    );
    assert.ok(hits >= 5, "the reports reached the failing TME");
  } finally {
    await closeServer(server);
  }
  await stack.startTme();
  await captureResumes();
});

test("with the TME hanging, requests still complete and the pending reports stay bounded", async () => {
  await stack.stopTme();
  const server = await impostor(() => {
    // never answers
  });
  try {
    const dropped = await counter("gatewarden_dropped_total");
    const started = Date.now();
    await sendMany(30);
    // 30 sequential requests cannot have waited for a 500 ms report timeout each.
    assert.ok(Date.now() - started < 10_000, "requests were held by the reporting");
    // At most four calls in flight plus two batches pending: most of the 30 must have been dropped.
    await waitFor("the bounded buffer to drop records", async () =>
      (await counter("gatewarden_dropped_total")) >= dropped + 20 ? true : undefined,
    );
  } finally {
    await closeServer(server);
  }
  await stack.startTme();
  await captureResumes();
});
