// TME CPU per ingested record: a real TME process (the built bundle), batches posted over HTTP one
// at a time, CPU time (user + system, all threads) read from /proc/<pid>/stat around the run. Records
// marked `"redacted": true` take the fast path (spooled as bytes): "stated" as the filter sends them,
// with the agent token and their framing stated (x-gatewarden-frame, checked without reading the
// bodies), "scanned" as an untrusted producer's (framed byte by byte); others are parsed, validated and
// redacted. The records are in the filter's encoder's field order. The bodies are the main benchmark's API-like JSON documents (bench/lib/payloads.ts), so
// the records hold as many escaped quotes as real captures do. Each row runs on a TME with the API
// inventory off and on; the inventory's learning (off the ingest path) is waited for and counted. The
// CPU charged per HTTP request swings with the machine's load, so the run also measures empty batches
// and gives each record's cost net of that per-request cost; and it posts the same batches to two bare
// Node HTTP servers, one that only receives them and one that also appends each body to a file in a
// spool directory with one writev (flushed as the TME's spool is, SPOOL_FSYNC) before answering: the
// floor, what receiving and spooling the bytes costs any Node process here. Every row splits the CPU
// into user and system time (the kernel's side: the socket, the file write).
// Usage: tsx bench/tme-ingest.ts [--batches N] [--only REGEX]
//   --only: only the TME's rows whose "inventory off|on: label" matches (no floor), e.g. to profile one path with
//   GATEWARDEN_TME_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" (bench/cpuprofile.ts reads the profile).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startTmeProcess } from "../host/devstack/tme.ts";
import { jsonOfExactSize } from "./lib/payloads.ts";
import { processCpuTimes } from "./lib/procfs.ts";

const batchesArg = process.argv.indexOf("--batches");
const BATCHES = batchesArg > 0 ? Number(process.argv[batchesArg + 1]) : 200;
const onlyArg = process.argv.indexOf("--only");
const ONLY = onlyArg > 0 ? new RegExp(process.argv[onlyArg + 1]!) : undefined;
const TOKEN = "bench-admin-token-0123456789";
const AGENT_TOKEN = "bench-agent-token-0123456789";
/** The TME's TME_SPOOL_FSYNC here, and the floor's: the disk's flush is not the TME's CPU. */
const SPOOL_FSYNC = "never";

function record(i: number, body: string, redacted: boolean): Record<string, unknown> {
  const reply = '{"status":"accepted","id":"ord-100042"}';
  return {
    id: `7d1f3c2a-5b6e-4f80-9a1b-${String(i).padStart(12, "0")}`,
    service: "istio",
    module_version: "0.1.0",
    start_time_unix_nano: String(1700000000000000000n + BigInt(i) * 1000n),
    duration_nano: 1_250_000,
    client: { address: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 40000 + (i % 1000) },
    request: {
      method: "POST",
      scheme: "https",
      authority: "shop.example.com",
      path: `/api/v1/orders/${i % 500}`,
      query: "",
      protocol: "HTTP/1.1",
      headers: [
        ["content-type", "application/json"],
        ["accept", "application/json"],
        ["user-agent", "gatewarden-bench/1 (wrk)"],
        ["authorization", "[REDACTED]"],
        ["x-request-id", `req-${i}`],
      ],
      body: { data: body, encoding: "utf8", size: body.length, truncated: false },
    },
    response: {
      status: 201,
      headers: [
        ["content-type", "application/json"],
        ["content-length", String(reply.length)],
      ],
      body: { data: reply, encoding: "utf8", size: reply.length, truncated: false },
    },
    ...(redacted ? { redacted: true } : {}),
  };
}

interface Batch {
  body: string;
  headers: Record<string, string>;
}

/** The filter's statement of a batch's framing: `length:response` per record (no verdicts here). */
function frameOf(records: string[]): string {
  return records.map((r) => `${Buffer.byteLength(r)}:${r.indexOf(',"response":{"status":')}`).join(",");
}

/** Batches whose records are about `recordBytes` long once encoded (the body sized to fit). */
function batches(perBatch: number, recordBytes: number, redacted: boolean, stated: boolean): { bodies: Batch[]; recordBytes: number } {
  const overhead = JSON.stringify(record(0, "", redacted)).length;
  // Escaping the body's quotes adds about a tenth to it.
  const body = jsonOfExactSize(Math.max(64, Math.round((recordBytes - overhead) / 1.1)));
  const bodies = Array.from({ length: 8 }, (_, b) => {
    const records = Array.from({ length: perBatch }, (_, i) => JSON.stringify(record(b * perBatch + i, body, redacted)));
    const headers: Record<string, string> = { "x-gatewarden-agent-token": AGENT_TOKEN };
    if (stated) headers["x-gatewarden-frame"] = frameOf(records);
    return { body: `{"records":[${records.join(",")}]}`, headers };
  });
  return { bodies, recordBytes: JSON.stringify(record(0, body, redacted)).length };
}

interface Target {
  url: string;
  pid: number;
  /** Waits for work the server does after answering (the inventory's learning). */
  settled(): Promise<void>;
}

/** CPU µs (user, system) per request of the same shape with no records: the HTTP cost, paid once per batch. */
let perRequest = { user: 0, system: 0 };

const fixed = (n: number, width: number) => n.toFixed(1).padStart(width);

async function run(target: Target, label: string, bodies: Batch[], perBatch: number, posts: number): Promise<void> {
  const post = async ({ body, headers }: Batch) => {
    const res = await fetch(`${target.url}/v1/records`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  // As many posts unmeasured first: V8 optimizes the path on background threads, whose CPU /proc counts
  // (after 5 warm-up posts, 200 batches of 64 × 1 KiB read 16-19 µs a record, 1000 read 8-9).
  for (let i = 0; i < posts; i++) await post(bodies[i % bodies.length]!);
  await target.settled();
  const before = processCpuTimes(target.pid);
  const started = process.hrtime.bigint();
  for (let i = 0; i < posts; i++) await post(bodies[i % bodies.length]!);
  await target.settled();
  const after = processCpuTimes(target.pid);
  const user = after.user - before.user;
  const system = after.system - before.system;
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (perBatch === 0) {
    perRequest = { user: user / posts, system: system / posts };
    console.log(
      `  ${label.padEnd(48)} ${String(posts).padStart(6)} requests CPU ${fixed((user + system) / posts, 7)} µs/request (user ${fixed(user / posts, 6)}, system ${fixed(system / posts, 6)})`,
    );
    return;
  }
  const records = posts * perBatch;
  const netUser = (user - perRequest.user * posts) / records;
  const netSystem = (system - perRequest.system * posts) / records;
  console.log(
    `  ${label.padEnd(48)} ${String(records).padStart(6)} records  CPU ${fixed((user + system) / records, 7)} µs/record, ${fixed(netUser + netSystem, 7)} net of the per-request cost (user ${fixed(netUser, 6)}, system ${fixed(netSystem, 6)})  (${(records / (wallMs / 1000)).toFixed(0)} records/s wall)`,
  );
}

/** The rows of one server; `paths` names the records' variants to post (marked redacted or not, framing stated or not). */
async function rows(
  target: Target,
  server: string,
  paths: readonly { redacted: boolean; stated: boolean; label: string }[],
): Promise<void> {
  const empty = Array.from({ length: 8 }, () => ({
    body: JSON.stringify({ records: [] }),
    headers: { "x-gatewarden-agent-token": AGENT_TOKEN },
  }));
  await run(target, "empty batch (per-request cost)", empty, 0, BATCHES * 4);
  for (const [perBatch, bytes, posts] of [
    [64, 1024, BATCHES],
    [1, 64 * 1024, BATCHES * 4],
  ] as const) {
    for (const { redacted, stated, label } of paths) {
      const { bodies, recordBytes } = batches(perBatch, bytes, redacted, stated);
      const size = recordBytes < 4096 ? `${recordBytes} B` : `${(recordBytes / 1024).toFixed(1)} KiB`;
      const row = `${perBatch} x ${size}${label}`;
      if (ONLY === undefined || ONLY.test(`${server}: ${row}`)) await run(target, row, bodies, perBatch, posts);
    }
  }
}

/**
 * The same requests answered by a bare Node HTTP server that reads the body and answers a small JSON:
 * what receiving the bytes costs any Node process here (HTTP parsing, loopback TCP, the kernel's copies).
 * With `spoolDir`, it first appends the body to a file there with one writev (the TME's spool write:
 * line head, records, line tail) and flushes it as SPOOL_FSYNC says: the floor under the TME's figures.
 */
async function bareNodeFloor(spoolDir?: string): Promise<void> {
  const script = `import { createServer } from 'node:http';
import { open } from 'node:fs/promises';
const dir = process.argv[1];
const file = dir ? await open(dir + '/captures-000001.jsonl', 'a') : undefined;
const head = Buffer.from('{"record":');
const tail = Buffer.from(',"id":"00000000-0000-4000-8000-000000000000","source":"gatewarden","received_at":"2026-12-02T22:30:00.000Z"}\\n');
const answer = (res) => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': 27 }); res.end('{"accepted":0,"rejected":[]}'.slice(0, 27)); };
const s = createServer((req, res) => {
  const whole = Buffer.allocUnsafe(Number(req.headers['content-length']));
  let at = 0;
  req.on('data', (chunk) => { chunk.copy(whole, at); at += chunk.length; });
  req.on('end', async () => {
    if (file && at > 0) {
      await file.writev([head, whole, tail]);
      if (${JSON.stringify(SPOOL_FSYNC)} === 'always') await file.datasync();
    }
    answer(res);
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, spoolDir ?? ""], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve) => child.stdout!.once("data", (chunk) => resolve(Number(String(chunk).trim()))));
    await rows({ url: `http://127.0.0.1:${port}`, pid: child.pid!, settled: async () => undefined }, "bare", [
      { redacted: true, stated: true, label: "" },
    ]);
  } finally {
    child.kill();
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(`TME CPU per record (spool fsync ${SPOOL_FSYNC}; fsync cost is the disk's), load average ${load()}:`);
if (ONLY === undefined) {
  console.log("bare Node HTTP server (reads the body, answers):");
  await bareNodeFloor();
  console.log("bare Node HTTP server, the floor (reads the body, appends it to a spool file with one writev, answers):");
  const floorDir = mkdtempSync(join(tmpdir(), "tme-ingest-bench-"));
  try {
    await bareNodeFloor(floorDir);
  } finally {
    rmSync(floorDir, { recursive: true, force: true });
  }
}
for (const inventory of ["off", "on"] as const) {
  console.log(`API inventory ${inventory}:`);
  const spoolDir = mkdtempSync(join(tmpdir(), "tme-ingest-bench-"));
  const tme = await startTmeProcess({
    env: {
      TME_SPOOL_DIR: spoolDir,
      TME_SPOOL_FSYNC: SPOOL_FSYNC,
      TME_SPOOL_MAX_FILE_BYTES: String(256 * 1024 * 1024),
      TME_SPOOL_KEEP_FILES: "2",
      TME_API_INVENTORY: inventory,
      TME_ADMIN_TOKEN: TOKEN,
      TME_AGENT_TOKEN: AGENT_TOKEN,
    },
  });
  try {
    const settled = async () => {
      if (inventory === "off") return;
      // The inventory's routes answer once its learning queue is drained.
      const res = await fetch(`${tme.url}/v1/apis?host=none`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await res.arrayBuffer();
    };
    await rows({ url: tme.url, pid: tme.process.pid!, settled }, `inventory ${inventory}`, [
      { redacted: true, stated: true, label: ", redacted, stated (the filter)" },
      { redacted: true, stated: false, label: ", redacted, scanned (untrusted)" },
      { redacted: false, stated: false, label: ", not redacted (slow)" },
    ]);
  } finally {
    await tme.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}
console.log(`load average at the end ${load()}`);
