// Reports survive a short TME outage: the TME is SIGKILLed and restarted about 2.5 s later while a
// client sends a steady stream through the real gateway. Clients see no failure, and every capture
// reaches the spool (failed batches are kept in the filter's bounded buffer and sent again).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { CaptureStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: { report: { flushInterval: "50ms", timeout: "500ms" }, enforcement: { refreshInterval: "0s" } },
  });
});
after(async () => {
  await stack?.stop();
});

async function spooledTestIds(dir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const name of await readdir(dir)) {
    for (const line of (await readFile(join(dir, name), "utf8")).split("\n")) {
      if (line === "") continue;
      const headers = JSON.parse(line).record.request.headers as [string, string][];
      const id = headers.find(([n]) => n === "x-test-id")?.[1];
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

test("a TME killed and restarted within seconds loses no capture, and no client request fails", async () => {
  const sent: string[] = [];
  const statuses: number[] = [];
  let sending = true;
  const client = async (): Promise<void> => {
    while (sending) {
      const { testId, response } = await stack.send("/anything", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"n":1}',
      });
      sent.push(testId);
      statuses.push(response.status);
      await new Promise((done) => setTimeout(done, 10));
    }
  };
  const clients = [client(), client()];
  await new Promise((done) => setTimeout(done, 1500));
  stack.tme!.process.kill("SIGKILL");
  await new Promise((done) => stack.tme!.process.once("exit", done));
  const killedAt = Date.now();
  await new Promise((done) => setTimeout(done, 2500));
  await stack.startTme();
  const outageMs = Date.now() - killedAt;
  await new Promise((done) => setTimeout(done, 1500));
  sending = false;
  await Promise.all(clients);

  assert.ok(
    statuses.every((s) => s === 200),
    `client statuses: ${[...new Set(statuses)].join(",")}`,
  );
  const missingNow = async (): Promise<string[]> => {
    const spooled = await spooledTestIds(stack.spoolDir);
    return sent.filter((id) => !spooled.has(id));
  };
  const missing = await waitFor(
    "every capture in the spool",
    async () => ((await missingNow()).length === 0 ? [] : undefined),
    15_000,
  ).catch(missingNow);
  console.log(`# ${sent.length} requests, TME down ${outageMs} ms, ${missing.length} captures missing`);
  assert.deepEqual(missing, []);
  const stats = await stack.stats();
  assert.equal(stats.get("gatewarden_dropped_total") ?? 0, 0);
  assert.ok((stats.get("gatewarden_report_failures_total") ?? 0) > 0, "the outage was seen");
});
