// What the API inventory costs the TME: the same batches of ~1 KiB records posted to two real TMEs (the
// built bundle), one with TME_API_INVENTORY=off and one with =on, side by side and fed each batch in
// turn, and each TME process's CPU time (utime+stime from /proc) per record, including the inventory's
// drain after the last batch. CPU time, not wall time, and both processes measured over the same window,
// so a busy shared machine blurs the difference little (measured one after the other, the off figure
// alone ranged 36-57 µs between runs here). The records are marked redacted and their framing stated
// with the agent token, as the filter sends them (the ingest fast path: the inventory counts them from
// the index the stated framing gives); `slow` posts them
// unmarked, as an older producer would (parsed, validated and redacted by the TME, then read by the
// inventory). Each round starts fresh processes; the cost is the median of the rounds' differences.
// Usage: tsx bench/inventory-cost.ts [records=40000] [rounds=3] [fast|slow]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTmeProcess, type TmeProcess } from "../host/devstack/tme.ts";
import { processCpuMicros } from "./lib/procfs.ts";

const RECORDS = Number(process.argv[2] ?? 40_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 100;
const MARKED = (process.argv[4] ?? "fast") === "fast";
const TOKEN = "bench-admin-token-0123456789";
const AGENT_TOKEN = "bench-agent-token-0123456789";

/** A record of about 1 KiB: varied ids and hosts, a JSON request body with personal data, a JSON response. */
function record(i: number): unknown {
  const user = 1000 + (i % 5000);
  const body = JSON.stringify({
    name: `user${user}`,
    email: `user${user}@example.org`,
    card: "4111 1111 1111 1111",
    plan: i % 3 ? "pro" : "free",
    address: { city: "Paris", zip: "75001" },
    tags: ["a", "b"],
    qty: i % 7,
  });
  const response = JSON.stringify({
    id: user,
    status: "ok",
    created: "2024-05-01T10:00:00Z",
    items: [{ sku: `sku-${i % 50}`, price: 12.5 }],
  });
  return {
    id: `r${i}`,
    service: "istio",
    module_version: "bench",
    start_time_unix_nano: "1700000000000000000",
    duration_nano: 1_000_000 + (i % 100) * 10_000,
    client: { address: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 40000 },
    request: {
      method: i % 4 === 0 ? "POST" : "GET",
      scheme: "https",
      authority: `shop${i % 3}.example.com`,
      path: `/api/users/${user}/orders/${i % 97}`,
      query: `page=${i % 5}&sort=asc`,
      protocol: "HTTP/1.1",
      headers: [
        ["content-type", "application/json"],
        ["accept", "application/json"],
        ["user-agent", "bench/1.0"],
        ["x-request-id", `req-${i}`],
      ],
      body: { data: body, encoding: "utf8", size: body.length, truncated: false },
    },
    response: {
      status: 200,
      headers: [["content-type", "application/json"]],
      body: { data: response, encoding: "utf8", size: response.length, truncated: false },
    },
    ...(MARKED ? { redacted: true } : {}),
  };
}

async function post(tme: TmeProcess, records: unknown[]): Promise<void> {
  const encoded = records.map((r) => JSON.stringify(r));
  const headers: Record<string, string> = { "content-type": "application/json", "x-gatewarden-agent-token": AGENT_TOKEN };
  // The filter's statement: each record's length and where its response starts.
  if (MARKED)
    headers["x-gatewarden-frame"] = encoded.map((r) => `${Buffer.byteLength(r)}:${r.indexOf(',"response":{"status":')}`).join(",");
  const res = await fetch(`${tme.url}/v1/records`, { method: "POST", headers, body: `{"records":[${encoded.join(",")}]}` });
  if (!res.ok) throw new Error(`/v1/records answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/** Waits for the inventory's learning queue to empty; how many records it has learned from so far. */
async function drained(tme: TmeProcess): Promise<number> {
  for (;;) {
    const res = await fetch(`${tme.url}/v1/apis?host=none`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const { stats } = (await res.json()) as { stats: { queued: number; learned: number } };
    if (stats.queued === 0) return stats.learned;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Round {
  off: number;
  on: number;
  learned: number;
}

async function startTme(inventory: boolean): Promise<{ tme: TmeProcess; spool: string }> {
  const spool = mkdtempSync(join(tmpdir(), "gatewarden-bench-"));
  const tme = await startTmeProcess({
    env: {
      TME_SPOOL_DIR: spool,
      TME_SPOOL_FSYNC: "never",
      TME_API_INVENTORY: inventory ? "on" : "off",
      TME_ADMIN_TOKEN: TOKEN,
      TME_AGENT_TOKEN: AGENT_TOKEN,
    },
  });
  return { tme, spool };
}

/** TME CPU µs per record with the inventory off and on, and how many measured records it learned from. */
async function measure(): Promise<Round> {
  const both = await Promise.all([startTme(false), startTme(true)]);
  const [off, on] = both.map((b) => b.tme) as [TmeProcess, TmeProcess];
  try {
    const batches = Array.from({ length: Math.ceil(RECORDS / BATCH) }, (_, b) =>
      Array.from({ length: BATCH }, (_, i) => record(b * BATCH + i)),
    );
    // Warm-up: JIT, first endpoints and their first learned exchanges.
    for (const batch of batches.slice(0, 20)) await Promise.all([post(off, batch), post(on, batch)]);
    const learnedBefore = await drained(on);
    const cpu = () => [processCpuMicros(off.process.pid!), processCpuMicros(on.process.pid!)];
    const before = cpu();
    for (const batch of batches) {
      await post(off, batch);
      await post(on, batch);
    }
    const learned = (await drained(on)) - learnedBefore;
    const after = cpu();
    const perRecord = (i: number) => (after[i]! - before[i]!) / (batches.length * BATCH);
    return { off: perRecord(0), on: perRecord(1), learned };
  } finally {
    for (const { tme, spool } of both) {
      await tme.stop();
      rmSync(spool, { recursive: true, force: true });
    }
  }
}

const size = JSON.stringify(record(1)).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds: Round[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const r = await measure();
  rounds.push(r);
  console.log(
    `round ${round + 1}: off ${r.off.toFixed(1)} µs/record, on ${r.on.toFixed(1)} µs/record, difference ${(r.on - r.off).toFixed(1)} (learned from ${r.learned} of ${RECORDS})`,
  );
}
console.log(
  `records of ${size} bytes, ${MARKED ? "marked redacted (fast path)" : "unmarked (slow path)"}, ${RECORDS} per run, median of ${ROUNDS}:`,
);
console.log(`  TME CPU per record, inventory off: ${median(rounds.map((r) => r.off)).toFixed(1)} µs`);
console.log(`  TME CPU per record, inventory on:  ${median(rounds.map((r) => r.on)).toFixed(1)} µs`);
console.log(`  inventory cost: ${median(rounds.map((r) => r.on - r.off)).toFixed(1)} µs/record`);
