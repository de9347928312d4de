// Redaction at the source: the compiled filter in a real Envoy redacts every record before it leaves
// (headers, cookies, URLs in headers, query, JSON, form, XML, multipart, binary bodies, echoes of a
// secret elsewhere in the exchange, verdict snippets), so no secret reaches the TME, its captures API
// or its spool; and bodies built to stall or overflow a redactor are captured like any other.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CaptureStack, FAST_REPORTS, type Capture } from "../helpers/stack.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: {
      ...FAST_REPORTS,
      allowedContentTypes: ["json", "x-www-form-urlencoded", "xml", "multipart", "octet-stream"],
      policy: { detection: { action: "monitor" } },
    },
  });
});
after(async () => {
  await stack?.stop();
});

/** Everything the TME spooled, as text, with base64 bodies decoded too. */
function spoolText(): string {
  const files = readdirSync(stack.spoolDir).map((f) => readFileSync(join(stack.spoolDir, f), "utf8"));
  const text = files.join("\n");
  const decoded = [...text.matchAll(/"([A-Za-z0-9+/]{16,}={0,2})"/g)].map((m) => Buffer.from(m[1]!, "base64").toString("latin1"));
  return text + "\n" + decoded.join("\n");
}

function bodyOf(c: Capture, side: "request" | "response"): string {
  const data = (c.attributes[`http.${side}.body`] as string | undefined) ?? "";
  return Buffer.from(data, c.attributes[`http.${side}.body.encoding`] === "base64" ? "base64" : "utf8").toString("latin1");
}

/** The capture and the spool hold none of `secrets`, compared case-insensitively. */
async function assertStoredNowhere(c: Capture, secrets: string[]): Promise<void> {
  const stored = (JSON.stringify(c) + bodyOf(c, "request") + bodyOf(c, "response")).toLowerCase();
  // The spool is written before the capture is visible, so it holds this record already.
  const spool = spoolText().toLowerCase();
  for (const s of secrets) {
    assert.ok(!stored.includes(s.toLowerCase()), `capture holds ${s}: ${stored.slice(0, 2000)}`);
    assert.ok(!spool.includes(s.toLowerCase()), `spool holds ${s}`);
  }
}

test("a password in an SQL injection is redacted from the verdict snippet too", async () => {
  const r = await stack.sendHttp("/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password: "Hunter2Secret' OR '1'='1" }),
  });
  assert.equal(r.status, 200);
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.category"], "sqli");
  assert.equal(c.attributes["gatewarden.verdict.snippet"], "[REDACTED]");
  await assertStoredNowhere(c, ["Hunter2Secret", "nter2secret"]);
});

test("a session cookie in an SQL injection is redacted from the verdict snippet too", async () => {
  const r = await stack.sendHttp("/home", { headers: { cookie: "sid=S3ssionTokenXYZ' OR 1=1--" } });
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.location"], "cookie:sid");
  assert.deepEqual(c.attributes["http.request.header.cookie"], ["sid=[REDACTED]"]);
  await assertStoredNowhere(c, ["S3ssionTokenXYZ", "ssiontokenxyz"]);
});

test("secrets sent in headers and echoed by the upstream in its JSON body are stored nowhere", async () => {
  const r = await stack.sendHttp("/echo", {
    headers: {
      authorization: "Bearer CanaryBearer0001",
      cookie: "theme=dark; sid=CanaryCookie0002",
      "x-api-key": "CanaryApiKey0003",
      "x-csrf-token": "CanaryCsrf0004",
    },
  });
  assert.ok(r.body.includes("CanaryBearer0001"), "the upstream echoes the headers");
  const c = await stack.captureOf(r.testId);
  assert.deepEqual(c.attributes["http.request.header.cookie"], ["theme=[REDACTED]; sid=[REDACTED]"]);
  await assertStoredNowhere(c, ["CanaryBearer0001", "CanaryCookie0002", "CanaryApiKey0003", "CanaryCsrf0004"]);
});

test("token parameters of Referer and Location URLs are redacted", async () => {
  const to = "https://app.example/cb?code=1&access_token=CanaryLocation0005";
  const r = await stack.sendHttp(`/redirect?to=${encodeURIComponent(to)}`, {
    headers: { referer: "https://x.example/cb?access_token=CanaryReferer0006&page=2" },
  });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, to);
  const c = await stack.captureOf(r.testId);
  assert.deepEqual(c.attributes["http.request.header.referer"], ["https://x.example/cb?access_token=[REDACTED]&page=2"]);
  await assertStoredNowhere(c, ["CanaryLocation0005", "CanaryReferer0006"]);
});

test("multipart, XML and binary bodies are redacted", async () => {
  const multipart =
    '--b0undary\r\nContent-Disposition: form-data; name="user"\r\n\r\nbob\r\n' +
    '--b0undary\r\nContent-Disposition: form-data; name="password"\r\n\r\nCanaryMultipart0007\r\n--b0undary--\r\n';
  const m = await stack.sendHttp("/upload", {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=b0undary" },
    body: multipart,
  });
  await assertStoredNowhere(await stack.captureOf(m.testId), ["CanaryMultipart0007"]);

  const xml = '<?xml version="1.0"?><login><user>bob</user><password>CanaryXml0008</password></login>';
  const x = await stack.sendHttp("/soap", { method: "POST", headers: { "content-type": "application/xml" }, body: xml });
  await assertStoredNowhere(await stack.captureOf(x.testId), ["CanaryXml0008"]);

  // Not UTF-8, so captured as base64: the secret (sent in a header) is redacted in the raw bytes.
  const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("CanaryBinary0009"), Buffer.from([0x80])]);
  const b = await stack.send("/blob", {
    method: "POST",
    headers: { "content-type": "application/octet-stream", "x-api-key": "CanaryBinary0009" },
    body: binary,
  });
  const c = await stack.captureOf(b.testId);
  assert.equal(c.attributes["http.request.body.encoding"], "base64");
  await assertStoredNowhere(c, ["CanaryBinary0009"]);
});

test("a 128 KiB backtracking body and a 20,000-deep body are captured, and so is the next request", async () => {
  const backtracking = '{"token' + '\\"'.repeat(65_530);
  const a = await stack.sendHttp("/bt", { method: "POST", headers: { "content-type": "application/json" }, body: backtracking });
  const deep = "[".repeat(20_000) + '{"password":"CanaryDeep0010"}' + "]".repeat(20_000);
  const d = await stack.sendHttp("/deep", { method: "POST", headers: { "content-type": "application/json" }, body: deep });
  const innocent = await stack.sendHttp("/innocent");
  const ca = await stack.captureOf(a.testId);
  assert.equal(bodyOf(ca, "request"), backtracking);
  const cd = await stack.captureOf(d.testId);
  assert.equal(bodyOf(cd, "request"), deep.replace("CanaryDeep0010", "[REDACTED]"));
  await stack.captureOf(innocent.testId);
  await assertStoredNowhere(cd, ["CanaryDeep0010"]);
});
