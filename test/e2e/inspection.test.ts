// Body inspection independent of capture, on a real Envoy: a body is inspected whatever its declared
// type (none, text/plain, octet-stream, multipart), by what its bytes are, while allowedContentTypes
// decides only what the record keeps; a declared type the bytes contradict is reported.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: {
      ...FAST_REPORTS,
      // The default capture list: none of text/plain, octet-stream or multipart is captured.
      allowedContentTypes: ["json", "x-www-form-urlencoded", "grpc"],
      bodyCaptureSize: 1024,
      enforcement: { refreshInterval: 0, holdHeadersForBody: true, inspectBodySize: 8192 },
      policy: { detection: { action: "block" } },
    },
  });
});
after(async () => {
  await stack?.stop();
});

const FORM_SQLI = "email=admin%40example.com'%20or%201%3D1--";

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  return stack.sendHttp(path, { method: "POST", headers, body });
}

async function expectBlocked(body: string, headers: Record<string, string>, location: string): Promise<void> {
  const r = await post("/login", body, headers);
  assert.equal(r.status, 403, `expected ${JSON.stringify(headers)} ${JSON.stringify(body.slice(0, 80))} to be blocked`);
  assert.equal(stack.upstream.started.get(r.testId), undefined, "a blocked request never reaches the upstream");
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.action"], "block");
  assert.equal(c.attributes["gatewarden.verdict.location"], location);
}

function multipart(boundary: string, parts: Array<{ name: string; filename?: string; type?: string; value: string }>): string {
  let out = "";
  for (const p of parts) {
    out += `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ""}\r\n`;
    if (p.type) out += `Content-Type: ${p.type}\r\n`;
    out += `\r\n${p.value}\r\n`;
  }
  return out + `--${boundary}--\r\n`;
}

test("a form payload is blocked whatever the body claims to be: no Content-Type, text/plain, octet-stream", async () => {
  await expectBlocked(FORM_SQLI, { "content-type": "application/x-www-form-urlencoded" }, "body.form:email");
  await expectBlocked(FORM_SQLI, {}, "body.form:email");
  await expectBlocked(FORM_SQLI, { "content-type": "text/plain" }, "body.form:email");
  await expectBlocked(FORM_SQLI, { "content-type": "application/octet-stream" }, "body.form:email");
  await expectBlocked('{"user":"<script>alert(1)</script>"}', { "content-type": "text/plain;charset=UTF-8" }, "body.json:$.user");
});

test("multipart/form-data: field values, part names, filenames and JSON parts are inspected", async () => {
  const b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  const ct = { "content-type": `multipart/form-data; boundary=${b}` };
  await expectBlocked(
    multipart(b, [
      { name: "note", value: "hi" },
      { name: "email", value: "admin@example.com' or 1=1--" },
    ]),
    ct,
    "body.multipart:email",
  );
  await expectBlocked(multipart(b, [{ name: "x' or 1=1--", value: "1" }]), ct, "body.multipart-name");
  await expectBlocked(
    multipart(b, [{ name: "upload", filename: "../../../../etc/passwd", type: "text/plain", value: "hello" }]),
    ct,
    "body.multipart:upload/filename",
  );
  await expectBlocked(
    multipart(b, [{ name: "meta", type: "application/json", value: '{"a":{"b":"<img src=x onerror=alert(1)>"}}' }]),
    ct,
    "body.multipart:meta.json:$.a.b",
  );
  // Without the header's boundary, it is read from the body's first line.
  await expectBlocked(
    multipart("xYz", [{ name: "email", value: "admin@example.com' or 1=1--" }]),
    { "content-type": "multipart/form-data" },
    "body.multipart:email",
  );
});

test("benign text and uploads pass, and a body that is not captured never reaches the record", async () => {
  const b = "----b0undary";
  const upload = multipart(b, [
    { name: "title", value: "Quarterly report (draft) - O'Brien & Sons" },
    {
      name: "file",
      filename: "report notes.txt",
      type: "text/plain",
      value: "Revenue grew 4% in Q3; costs were flat.\nSee the attached figures & tables.",
    },
    { name: "image", filename: "pixel.png", type: "image/png", value: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" },
  ]);
  const u = await post("/upload", upload, { "content-type": `multipart/form-data; boundary=${b}` });
  assert.equal(u.status, 200);
  // Binary bytes are not read as text: their noise would look like markup and operators.
  let noise = "";
  for (let i = 0; i < 65536; i++) noise += String.fromCharCode(Math.imul(i + 1, 2654435761) >>> 24);
  assert.equal((await post("/upload/raw", noise, { "content-type": "application/octet-stream" })).status, 200);
  assert.equal((await post("/upload/raw", noise)).status, 200);
  const t = await post("/notes", "Dear team, please don't forget the 3 o'clock meeting -- it's important.", {
    "content-type": "text/plain",
  });
  assert.equal(t.status, 200);
  const c = await stack.captureOf(t.testId);
  assert.equal(c.attributes["http.request.body"], undefined, "text/plain is inspected, not captured");
  const blocked = await post("/notes", FORM_SQLI, { "content-type": "text/plain" });
  assert.equal(blocked.status, 403);
  const bc = await stack.captureOf(blocked.testId);
  assert.equal(bc.attributes["http.request.body"], undefined, "a blocked body outside allowedContentTypes is not captured either");
});

test("inspectBodySize reaches past bodyCaptureSize; the capture stays at its own limit", async () => {
  const body = JSON.stringify({ pad: "x".repeat(3000), q: "1' union select password from users--" });
  const r = await post("/api", body, { "content-type": "application/json" });
  assert.equal(r.status, 403);
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.location"], "body.json:$.q");
  assert.equal(String(c.attributes["http.request.body"]).length, 1024);
  assert.equal(c.attributes["http.request.body.truncated"], true);
});

test("a declared type the body contradicts is reported in monitor, and the request passes", async () => {
  const r = await post("/api", "a=1&b=2", { "content-type": "application/json" });
  assert.equal(r.status, 200);
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.action"], "monitor");
  assert.equal(c.attributes["gatewarden.verdict.category"], "protocol");
  assert.equal(c.attributes["gatewarden.verdict.rule"], "protocol.content-type-mismatch");
});

test("detections are counted per category, rule and action", async () => {
  const stats = await stack.stats();
  assert.ok((stats.get("gatewarden_detections_sqli_breakout_logic_block_total") ?? 0) >= 4, "the form payload, blocked in four bodies");
  assert.ok((stats.get("gatewarden_detections_traversal_dot_dot_block_total") ?? 0) >= 1, "the multipart filename");
  assert.ok((stats.get("gatewarden_detections_protocol_content_type_mismatch_monitor_total") ?? 0) >= 1);
});
