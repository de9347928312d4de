// Redaction at the source: the compiled filter in a real Envoy redacts every record before it leaves
// (headers, cookies, URLs in headers, query, JSON, form, XML, multipart, binary bodies, echoes of a
// secret elsewhere in the exchange, verdict snippets), so no secret reaches the TME, its captures API
// or its spool; and bodies built to stall or overflow a redactor are captured like any other.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
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

test("tokens in a Location fragment and in a relative Location are redacted", async () => {
  // The OAuth implicit flow returns its tokens after `#`.
  for (const to of [
    "https://client.example/cb#access_token=CanaryFragment0007&token_type=bearer",
    "https://client.example/cb?state=s1#id_token=CanaryIdToken0008&access_token=CanaryFragment0009",
    "cb?access_token=CanaryRelative0010",
  ]) {
    const r = await stack.sendHttp(`/redirect?to=${encodeURIComponent(to)}`);
    assert.equal(r.headers.location, to);
    const c = await stack.captureOf(r.testId);
    await assertStoredNowhere(c, ["CanaryFragment0007", "CanaryIdToken0008", "CanaryFragment0009", "CanaryRelative0010"]);
  }
});

test("a percent-encoded token in a Referer URL does not reach the verdict snippet decoded", async () => {
  for (const referer of [
    "https://x.example/cb?q=%27%20or%20%271%27%3D%271&access_token=AbCd%2FEf12%2B3456GhIjKl%3D",
    "https://x.example/cb?access_token=AbCd%2FEf12%2B3456GhIjKl%3D&q=%27%20or%20%271%27%3D%271",
  ]) {
    const r = await stack.sendHttp("/page", { headers: { referer } });
    const c = await stack.captureOf(r.testId);
    assert.equal(c.attributes["gatewarden.verdict.location"], "header:referer");
    await assertStoredNowhere(c, ["AbCd%2FEf12%2B3456GhIjKl", "abcd/ef12+3456ghijkl", "3456ghijkl"]);
  }
});

test("compressed bodies are not stored: their secrets cannot be redacted", async () => {
  const r = await stack.sendHttp("/gzip", {
    method: "POST",
    headers: { "content-type": "application/json", "content-encoding": "gzip", "x-api-key": "CanaryGzipKey0011" },
    body: gzipSync(JSON.stringify({ password: "CanaryGzipPassword0012" })),
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-encoding"], "gzip");
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["http.request.body"], undefined, "the gzip request body");
  assert.equal(c.attributes["http.response.body"], undefined, "the gzip response body (the echo of the key and the body)");
  await assertStoredNowhere(c, ["CanaryGzipKey0011", "CanaryGzipPassword0012"]);
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
