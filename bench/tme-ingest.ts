// TME CPU per ingested record: a real TME process (the built bundle), batches posted over HTTP one
// at a time, CPU time (user + system) read from /proc/<pid>/stat around the run. Records marked
// `"redacted": true` take the fast path (framed, spooled as bytes); others are parsed, validated and
// redacted. On a shared, loaded machine the CPU charged per HTTP request swings widely, so the run
// also measures empty batches and reports each record's cost net of that per-request cost.
// Usage: tsx bench/tme-ingest.ts [--batches N]
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTmeProcess } from "../host/devstack/tme.ts";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const batchesArg = process.argv.indexOf("--batches");
const BATCHES = batchesArg > 0 ? Number(process.argv[batchesArg + 1]) : 200;

function cpuMicros(pid: number): number {
  // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

function record(i: number, bodyBytes: number, redacted: boolean): Record<string, unknown> {
  const body = JSON.stringify({ id: i, text: "y".repeat(Math.max(0, bodyBytes - 20)) });
  return {
    id: `r-${i}`, service: "bench", module_version: "0.1.0", start_time_unix_nano: "1700000000000000000", duration_nano: 1000,
    client: { address: "10.0.0.1", port: 40000 },
    request: { method: "POST", scheme: "http", authority: "api.local", path: `/items/${i}`, query: "", protocol: "HTTP/1.1",
      headers: [["content-type", "application/json"], ["user-agent", "bench"]], body: { data: body, encoding: "utf8", size: body.length, truncated: false } },
    response: { status: 200, headers: [["content-type", "application/json"]] },
    ...(redacted ? { redacted: true } : {}),
  };
}

/** TME CPU µs per request of the same shape with no records: the HTTP cost, paid once per batch. */
let perRequestMicros = 0;

async function run(url: string, pid: number, label: string, perBatch: number, bodyBytes: number, redacted: boolean, batches: number): Promise<void> {
  const bodies = Array.from({ length: 8 }, (_, b) => JSON.stringify({ records: Array.from({ length: perBatch }, (_, i) => record(b * perBatch + i, bodyBytes, redacted)) }));
  if (perBatch === 0) bodies.fill(JSON.stringify({ records: [] }));
  const post = async (body: string) => {
    const res = await fetch(`${url}/v1/records`, { method: "POST", headers: { "content-type": "application/json" }, body });
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < 5; i++) await post(bodies[i % bodies.length]!); // warm-up
  const before = cpuMicros(pid);
  const started = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) await post(bodies[i % bodies.length]!);
  const cpu = cpuMicros(pid) - before;
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (perBatch === 0) {
    perRequestMicros = cpu / batches;
    console.log(`${label.padEnd(34)} ${batches} requests TME CPU ${perRequestMicros.toFixed(1).padStart(7)} µs/request`);
    return;
  }
  const records = batches * perBatch;
  const net = (cpu - perRequestMicros * batches) / records;
  console.log(`${label.padEnd(34)} ${records} records  TME CPU ${(cpu / records).toFixed(1).padStart(7)} µs/record, ${net.toFixed(1).padStart(7)} net of the per-request cost  (${(records / (wallMs / 1000)).toFixed(0)} records/s wall)`);
}

const spoolDir = mkdtempSync(join(tmpdir(), "tme-ingest-bench-"));
const tme = await startTmeProcess({ env: { TME_SPOOL_DIR: spoolDir, TME_SPOOL_FSYNC: "never", TME_SPOOL_MAX_FILE_BYTES: String(256 * 1024 * 1024), TME_SPOOL_KEEP_FILES: "2" } });
try {
  const pid = tme.process.pid!;
  console.log(`TME CPU per record (spool fsync never; fsync cost is the disk's), ${BATCHES} batches each:`);
  await run(tme.url, pid, "empty batch (per-request cost)", 0, 0, true, BATCHES * 4);
  await run(tme.url, pid, "64 x 1 KiB, redacted (fast path)", 64, 1024, true, BATCHES);
  await run(tme.url, pid, "64 x 1 KiB, not redacted (slow)", 64, 1024, false, BATCHES);
  await run(tme.url, pid, "1 x 64 KiB, redacted (fast path)", 1, 64 * 1024, true, BATCHES * 4);
  await run(tme.url, pid, "1 x 64 KiB, not redacted (slow)", 1, 64 * 1024, false, BATCHES * 4);
} finally {
  await tme.stop();
  rmSync(spoolDir, { recursive: true, force: true });
}
