// The modes are one product: the same requests through the Wasm filter (with its TME) and through
// ext_proc (with another TME) give the same records, field for field, the same captures, attribute for
// attribute, and the same verdicts, on a fixed set of exchanges and on a sample of the attack/benign
// corpora; the same exchanges reported as Traceable ext_cap reports give the same records again. Every
// record comes from one encoder (the filter's writeRecord; the engine's gw_encode_record in the TME).
// ext_authz is not among them: it decides, and captures nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:http2";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CaptureStack, FAST_REPORTS, type Capture } from "../helpers/stack.ts";
import { ExtStack, type Gateway } from "../helpers/ext-stack.ts";
import { ROOT } from "../../host/devstack/paths.ts";
import { waitFor } from "../helpers/wait.ts";
import { STACK_AGENT_TOKEN, type TmeStack } from "../helpers/captures.ts";

const policyDir = mkdtempSync(join(tmpdir(), "gatewarden-parity-"));
const policyFile = join(policyDir, "policy.json");
writeFileSync(
  policyFile,
  JSON.stringify({
    name: "parity",
    // Behind a balancer: the record's client is the x-forwarded-for entry the policy trusts.
    clientIp: { trustedHops: 2 },
    detection: { action: "block" },
    rules: [
      { id: "admin", action: "block", match: { path: { prefix: "/admin" } } },
      { id: "watch-beta", action: "monitor", match: { path: { prefix: "/beta" } } },
    ],
  }),
);
const tmeEnv = { TME_POLICY_FILE: policyFile };

let wasm: CaptureStack;
let ext: ExtStack;
let proc: Gateway;

before(async () => {
  wasm = await CaptureStack.start({ tmeEnv, pluginConfig: { ...FAST_REPORTS, enforcement: { refreshInterval: "100ms" } } });
  ext = await ExtStack.start({ tmeEnv });
  proc = await ext.extProc({
    requestBodyMode: "BUFFERED",
    responseBodyMode: "STREAMED",
    requestTrailerMode: "SEND",
    responseTrailerMode: "SEND",
    messageTimeout: "1s",
  });
  // The filter polls the policy the TME serves.
  await waitFor("the filter to take the TME's policy", async () =>
    (await wasm.stats()).get("gatewarden_policy_revision") === 1 ? true : undefined,
  );
});
after(async () => {
  await wasm?.stop();
  await ext?.stop();
  rmSync(policyDir, { recursive: true, force: true });
});

/** Attributes that differ between any two runs of the same request. */
const VARYING = new Set([
  "client.port",
  "server.port",
  "gatewarden.request.id",
  "http.request.header.x-request-id",
  "http.response.header.x-request-id",
  "http.response.header.date",
  "http.response.header.x-envoy-upstream-service-time",
]);

function comparable(c: Capture): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.attributes)) if (!VARYING.has(k)) out[k] = v;
  return out;
}

interface Outcome {
  status: number;
  body: Buffer;
}

const agents = new Map<string, Agent>();
/** A request with node:http, the path sent byte for byte as given (fetch would normalise it). */
function send(
  baseUrl: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<Outcome> {
  let agent = agents.get(baseUrl);
  if (!agent) agents.set(baseUrl, (agent = new Agent({ keepAlive: true, maxSockets: 4 })));
  return new Promise((resolve, reject) => {
    const req = httpRequest(baseUrl + "/", { method: opts.method ?? "GET", path, headers: opts.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
after(() => {
  for (const a of agents.values()) a.destroy();
});

async function captureIn(list: () => Promise<Capture[]>, testId: string): Promise<Capture> {
  return waitFor(`the capture of ${testId}`, async () =>
    (await list()).find((c) => (c.attributes["http.request.header.x-test-id"] as string[] | undefined)?.[0] === testId),
  );
}

/** The same request through both gateways (same x-test-id and x-request-id), and both captures. */
async function both(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  const testId = randomUUID();
  const headers = { ...opts.headers, "x-test-id": testId, "x-request-id": testId };
  const [w, p] = [await send(wasm.envoy.url, path, { ...opts, headers }), await send(proc.url, path, { ...opts, headers })];
  const [cw, cp] = await Promise.all([captureIn(() => wasm.captures(50), testId), captureIn(() => ext.captures(50), testId)]);
  return { testId, w, p, cw, cp };
}

type Json = Record<string, any>;

/** Record members that differ between any two runs of the same exchange. */
const VARYING_HEADERS = new Set(["x-request-id", "date", "x-envoy-upstream-service-time"]);

/** A record without its ids, times, the client's port and the gateway's port; varying headers left out. */
function comparableRecord(r: Json): Json {
  const out = structuredClone(r);
  for (const key of ["id", "start_time_unix_nano", "duration_nano"]) delete out[key];
  delete out.client.port;
  out.request.authority = (out.request.authority as string).replace(/:\d+$/, "");
  for (const part of [out.request, out.response])
    part.headers = (part.headers as Array<[string, string]>).filter(([name]) => !VARYING_HEADERS.has(name));
  return out;
}

/** The records `source` spooled, by the request's x-test-id (their captures are already visible). */
function recordsOf(stack: TmeStack, source: string): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const s of stack.spooledRecords()) {
    const testId = (s.record.request.headers as Array<[string, string]>).find(([n]) => n === "x-test-id")?.[1];
    if (s.source === source && testId !== undefined) out.set(testId, s.record);
  }
  return out;
}

function recordOf(stack: TmeStack, testId: string, source: string): Json {
  const found = recordsOf(stack, source).get(testId);
  assert.ok(found, `no ${source} record of ${testId}`);
  return found;
}

const json = JSON.stringify({ order: { sku: "A-1", qty: 2 }, note: "naïve café ✓" });
/** Exchanges every producer records: text and binary bodies, cut ones, blocked, monitored, behind a balancer. */
const cases: Array<[string, { method?: string; headers?: Record<string, string>; body?: Buffer | string }]> = [
  ["/api/items?id=1&q=a%20b", { headers: { "x-custom": "v1", cookie: "session=abc", "user-agent": "parity/1.0" } }],
  ["/api/items?id=2", { headers: { "x-forwarded-for": "203.0.113.9, 198.51.100.1" } }],
  ["/api/orders?id=7", { method: "POST", headers: { "content-type": "application/json" }, body: json }],
  ["/json/200000", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pad: "y".repeat(300_000) }) }],
  // A capture cut inside a multi-byte character is carried as base64.
  ["/cut", { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":"' + "é".repeat(70_000) + '"}' }],
  ["/plain", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }],
  ["/bytes/300", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1&b=%00%ff" }],
  ["/status/404", {}],
  ["/status/503", { method: "DELETE" }],
  ["/beta/feature", {}],
  ["/admin/users", {}],
  ["/search?q=1'%20or%20'1'='1", {}],
  [
    "/api/comments",
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "<script>alert(1)</script>" }) },
  ],
];

/** What a Traceable connector would report of the exchange the filter recorded. */
function extCapReport(r: Json): Json {
  const map = (pairs: Array<[string, string]>) => Object.fromEntries(pairs);
  const body = (b: Json | undefined) =>
    b === undefined ? null : b.encoding === "base64" ? b.data : Buffer.from(b.data as string, "utf8").toString("base64");
  const url = `${r.request.scheme}://${r.request.authority}${r.request.path}${r.request.query === "" ? "" : "?" + r.request.query}`;
  return {
    request_timestamp_in_ms: Date.now(),
    request: {
      method: r.request.method,
      headers: map(r.request.headers),
      scheme: r.request.scheme,
      path: r.request.path,
      host: r.request.authority,
      body: body(r.request.body),
      truncated: r.request.body?.truncated,
      source_address: r.client.address,
      source_port: r.client.port,
    },
    response: {
      headers: map(r.response.headers),
      body: body(r.response.body),
      truncated: r.response.body?.truncated,
      status_code: r.response.status,
      request_url: url,
    },
  };
}

/**
 * The members an ext_cap report cannot carry, left out: the protocol, the TCP peer, the verdict (ext_cap
 * only captures), and the whole size of a body cut short (connectors send only what they kept) or
 * redacted (the report is made from the filter's redacted record, so its bytes are already shorter).
 */
function extCapComparable(r: Json): Json {
  const out = comparableRecord(r);
  delete out.request.protocol;
  delete out.client.peer;
  delete out.verdict;
  for (const b of [out.request.body, out.response.body])
    if (b?.truncated || (b?.data as string | undefined)?.includes("[REDACTED]")) delete b.size;
  return out;
}

test("the same exchanges give the same records and captures in both modes, and as ext_cap reports", async () => {
  for (const [path, opts] of cases) {
    const { testId, w, p, cw, cp } = await both(path, opts);
    assert.equal(p.status, w.status, `${path}: status`);
    assert.deepEqual(p.body, w.body, `${path}: the client gets the same response`);
    const rw = recordOf(wasm, testId, "gatewarden");
    if (opts.headers?.["x-forwarded-for"]) assert.equal(rw.client.address, "203.0.113.9", "the client behind the balancer");
    assert.deepEqual(
      comparableRecord(recordOf(ext, testId, "ext_proc")),
      comparableRecord(rw),
      `${path}: the ext_proc record differs from the filter's`,
    );
    assert.deepEqual(comparable(cp), comparable(cw), `${path}: the captures differ`);

    // The same exchange as a Traceable connector reports it, to the ext_proc stack's TME.
    const res = await fetch(`${ext.tme!.url}/ext_cap/v1/req_res_cap`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gatewarden-agent-token": STACK_AGENT_TOKEN,
        "traceableai-service-name": rw.service,
        "traceableai-module-version": rw.module_version,
      },
      body: JSON.stringify(extCapReport(rw)),
    });
    assert.equal(res.status, 200, await res.text());
    await captureIn(() => ext.captures(50), testId);
    const rc = recordOf(ext, testId, "ext_cap");
    assert.deepEqual(extCapComparable(rc), extCapComparable(rw), `${path}: the ext_cap record differs from the filter's`);
  }
});

/** The attributes redaction may change, of a capture. */
function redactedFields(c: Capture): Record<string, unknown> {
  const a = c.attributes;
  const out: Record<string, unknown> = { query: a["url.query"], request: a["http.request.body"] };
  for (const name of ["authorization", "cookie", "x-api-key", "x-csrf-token", "referer"]) out[name] = a[`http.request.header.${name}`];
  return out;
}

test("every producer redacts the same exchange the same way: the filter, ext_proc and ext_cap ingest", async () => {
  const secret = "Hunter2Secret";
  const body = JSON.stringify({ user: "bob", password: secret, profile: { token: { a: 1 } }, note: `echo ${secret}` });
  const headers = {
    "content-type": "application/json",
    authorization: "Bearer CanaryBearer0001",
    cookie: "theme=dark; sid=CanaryCookie0002",
    "x-api-key": "CanaryApiKey0003",
    "x-csrf-token": "CanaryCsrf0004",
    referer: "https://x.example/cb?access_token=CanaryReferer0005&page=2",
  };
  const path = "/api/login?user=bob&access_token=CanaryQuery0006";
  const { testId, cw, cp } = await both(path, { method: "POST", headers, body });
  assert.equal(
    cw.attributes["http.request.body"],
    JSON.stringify({ user: "bob", password: "[REDACTED]", profile: { token: "[REDACTED]" }, note: "echo [REDACTED]" }),
  );
  assert.deepEqual(redactedFields(cp), redactedFields(cw), "ext_proc and the filter redact alike");

  // The same exchange as a Traceable ext_cap report to the ext_proc stack's TME.
  const report = {
    request_timestamp_in_ms: Date.now(),
    request: {
      method: "POST",
      headers: { ...headers, "x-test-id": `${testId}-ext-cap` },
      scheme: "http",
      path,
      host: "parity.example",
      body: Buffer.from(body).toString("base64"),
      source_address: "127.0.0.1",
      source_port: 1,
    },
    response: { headers: { "content-type": "application/json" }, body: "", status_code: 200 },
  };
  const res = await fetch(`${ext.tme!.url}/ext_cap/v1/req_res_cap`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gatewarden-agent-token": STACK_AGENT_TOKEN },
    body: JSON.stringify(report),
  });
  assert.equal(res.status, 200);
  const cc = await captureIn(() => ext.captures(50), `${testId}-ext-cap`);
  const fromExtCap = redactedFields(cc);
  // ext_cap carries bodies as base64: compare the decoded bytes.
  if (cc.attributes["http.request.body.encoding"] === "base64")
    fromExtCap["request"] = Buffer.from(fromExtCap["request"] as string, "base64").toString();
  assert.deepEqual(fromExtCap, redactedFields(cw), "ext_cap ingest and the filter redact alike");
});

test("a gRPC exchange gives the same record and capture in both modes", async () => {
  const testId = randomUUID();
  const call = async (url: string): Promise<void> => {
    const session = connect(url);
    try {
      const message = Buffer.from("hello grpc");
      const req = session.request({
        ":method": "POST",
        ":path": "/demo.Echo/Say",
        "content-type": "application/grpc",
        te: "trailers",
        "x-grpc-status": "5",
        "x-test-id": testId,
        "x-request-id": testId,
      });
      const done = new Promise<void>((res) => req.on("close", () => res()));
      req.resume();
      req.end(Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]));
      await done;
    } finally {
      session.close();
    }
  };
  await call(wasm.envoy.url);
  await call(proc.url);
  const [cw, cp] = await Promise.all([captureIn(() => wasm.captures(50), testId), captureIn(() => ext.captures(50), testId)]);
  assert.equal(cw.attributes["rpc.grpc.status_code"], 5);
  assert.deepEqual(comparable(cp), comparable(cw));
  const rw = recordOf(wasm, testId, "gatewarden");
  assert.deepEqual(rw.response.trailers[0], ["grpc-status", "5"], "the record carries the response trailers");
  assert.deepEqual(comparableRecord(recordOf(ext, testId, "ext_proc")), comparableRecord(rw));
});

interface Row {
  source: string;
  method: string;
  path_query: string;
  headers: Record<string, string> | null;
  body: string | null;
  label: string;
  payload: string;
}

/** Every n-th row of each development corpus, ~60 per file; every third attack payload re-wrapped as a JSON body. */
function corpusSample(perFile: number): Row[] {
  const dir = join(ROOT, "..", "shared", "corpora", "dev");
  const rows: Row[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl.gz"))
    .sort()) {
    const lines = gunzipSync(readFileSync(join(dir, file)))
      .toString("utf8")
      .split("\n")
      .filter(Boolean);
    const step = Math.max(1, Math.floor(lines.length / perFile));
    for (let i = 0; i < lines.length && rows.length < 10_000; i += step) {
      const row = JSON.parse(lines[i]!) as Row;
      if (row.label === "attack" && row.body === null && row.payload && (i / step) % 3 === 0) {
        rows.push({
          ...row,
          method: "POST",
          path_query: "/api/echo",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ q: row.payload }),
        });
      } else {
        rows.push(row);
      }
    }
  }
  return rows;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what gets percent-encoded
const UNSENDABLE = /[\x00-\x20\x7f-\xff]/g;

/** The bytes node:http accepts in a request path: anything else is percent-encoded (the same for both modes). */
function sendablePath(pq: string): string {
  const p = pq.startsWith("/") ? pq : "/" + pq;
  return Buffer.from(p, "utf8")
    .toString("latin1")
    .replace(UNSENDABLE, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
}

const DROP = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "expect", "te"]);

test("a corpus sample (attacks and benign) gets the same verdicts, records and captures in both modes", { timeout: 90_000 }, async (t) => {
  const rows = corpusSample(60);
  assert.ok(rows.length >= 290, `sample of ${rows.length} rows`);
  // Send everything first (same x-test-id and x-request-id to both), then read the captures once.
  const sent: Array<{ row: Row; path: string; testId: string; w: Outcome; p: Outcome }> = [];
  const failures: string[] = [];
  for (const row of rows) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(row.headers ?? {})) {
      if (!DROP.has(k.toLowerCase()) && /^[\t\x20-\x7e\x80-\xff]*$/.test(v)) headers[k.toLowerCase()] = v;
    }
    const path = sendablePath(row.path_query);
    const testId = randomUUID();
    Object.assign(headers, { "x-test-id": testId, "x-request-id": testId });
    const opts = { method: row.method, headers, body: row.body ?? undefined };
    try {
      sent.push({ row, path, testId, w: await send(wasm.envoy.url, path, opts), p: await send(proc.url, path, opts) });
    } catch (error) {
      failures.push(`${row.source} ${path}: ${(error as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
  const byId = (list: Capture[]) =>
    new Map(list.map((c) => [(c.attributes["http.request.header.x-test-id"] as string[] | undefined)?.[0], c]));
  const all = async (list: (n: number) => Promise<Capture[]>) =>
    waitFor("every capture", async () => {
      const m = byId(await list(1000));
      return sent.every((s) => m.has(s.testId)) ? m : undefined;
    });
  const [cw, cp] = [await all((n) => wasm.captures(n)), await all((n) => ext.captures(n))];
  const [rw, rp] = [recordsOf(wasm, "gatewarden"), recordsOf(ext, "ext_proc")];

  const verdict = (c: Capture) => `${c.attributes["gatewarden.verdict.action"] ?? "-"}/${c.attributes["gatewarden.verdict.rule"] ?? "-"}`;
  const mismatches: string[] = [];
  let blocked = 0;
  for (const { row, path, testId, w, p } of sent) {
    const a = cw.get(testId)!;
    const b = cp.get(testId)!;
    if (w.status === 403) blocked++;
    if (w.status !== p.status || verdict(a) !== verdict(b)) {
      mismatches.push(`${row.source} ${row.method} ${path}: wasm ${w.status} ${verdict(a)}, ext_proc ${p.status} ${verdict(b)}`);
    } else {
      const [recordW, recordP] = [comparableRecord(rw.get(testId)!), comparableRecord(rp.get(testId)!)];
      const recordDiff = Object.keys({ ...recordW, ...recordP }).filter((k) => JSON.stringify(recordW[k]) !== JSON.stringify(recordP[k]));
      if (recordDiff.length > 0) mismatches.push(`${row.source} ${row.method} ${path}: records differ in ${recordDiff.join(", ")}`);
      try {
        assert.deepEqual(comparable(b), comparable(a));
      } catch {
        const keys = [...new Set([...Object.keys(a.attributes), ...Object.keys(b.attributes)])].filter((k) => !VARYING.has(k));
        const diff = keys.filter((k) => JSON.stringify(a.attributes[k]) !== JSON.stringify(b.attributes[k]));
        mismatches.push(
          `${row.source} ${row.method} ${path}: captures differ in ${diff.map((k) => `${k} (wasm ${JSON.stringify(a.attributes[k])?.slice(0, 120)}, ext_proc ${JSON.stringify(b.attributes[k])?.slice(0, 120)})`).join(", ")}`,
        );
      }
    }
  }
  t.diagnostic(`${sent.length} corpus rows, ${blocked} blocked in both modes`);
  assert.deepEqual(mismatches, [], "the modes differ");
  assert.ok(blocked >= 50 && blocked < sent.length - 50, `a mix of blocked (${blocked}) and passed requests out of ${sent.length}`);
});
