// The TME injection webhook over real HTTPS (a self-signed certificate made with openssl): AdmissionReview
// fixtures for inject, skip, already injected and malformed input; then the esbuild bundle as a process.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../host/devstack/paths.ts";
import { parseInjectionConfig, type InjectionConfig } from "../../host/webhook/config.ts";
import { INJECT_ANNOTATION, STATUS_ANNOTATION } from "../../host/webhook/inject.ts";
import { startWebhookServer, type RunningWebhook } from "../../host/webhook/server.ts";
import type { K8sObject } from "../../host/chart-tools/helm.ts";
import { selfSignedCert } from "../helpers/tls.ts";
import { only, render, validateObject } from "./helpers.ts";

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8"));

let dir = "";
let cert = "";
let key = "";
let config: InjectionConfig;
let hook: RunningWebhook;
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gatewarden-webhook-"));
  selfSignedCert(dir, "tls", "gatewarden-tme-injector.gatewarden-system.svc", "DNS:localhost,IP:127.0.0.1");
  cert = readFileSync(join(dir, "tls.crt"), "utf8");
  key = readFileSync(join(dir, "tls.key"), "utf8");
  // The injection config exactly as the chart renders it for the webhook.
  const objects = await render();
  const raw = (only(objects, "ConfigMap", "gatewarden-tme-injector").data as Record<string, string>)["injection.json"]!;
  writeFileSync(join(dir, "injection.json"), raw);
  config = parseInjectionConfig(JSON.parse(raw));
  hook = await startWebhookServer({ cert, key, config, port: 0, host: "127.0.0.1", log: (l) => logs.push(l) });
});
after(async () => {
  await hook?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  text: string;
}
function post(url: string, body: string | Buffer, method = "POST", path = "/mutate"): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request(`${url}${path}`, { method, ca: cert, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolveReply({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function admissionReview(pod: unknown, overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "istio-system",
      operation: "CREATE",
      object: pod,
      ...overrides,
    },
  };
}

interface Response {
  uid: string;
  allowed: boolean;
  patchType?: string;
  patch?: string;
  warnings?: string[];
}
async function reviewOf(
  pod: unknown,
  overrides: Record<string, unknown> = {},
): Promise<{ review: { apiVersion: string; kind: string; response: Response }; ops?: any[] }> {
  const reply = await post(hook.url, JSON.stringify(admissionReview(pod, overrides)));
  assert.equal(reply.status, 200, reply.text);
  const review = JSON.parse(reply.text);
  assert.equal(review.apiVersion, "admission.k8s.io/v1");
  assert.equal(review.kind, "AdmissionReview");
  assert.equal(review.response.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  assert.equal(review.response.allowed, true);
  const ops = review.response.patch ? JSON.parse(Buffer.from(review.response.patch, "base64").toString()) : undefined;
  return { review, ops };
}

/** RFC 6902 "add", the only operation the webhook emits. */
function applyPatch(doc: any, ops: any[]): any {
  const out = structuredClone(doc);
  for (const op of ops) {
    assert.equal(op.op, "add");
    const tokens = op.path
      .split("/")
      .slice(1)
      .map((t: string) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = tokens.pop();
    let parent = out;
    for (const t of tokens) {
      parent = parent[t];
      assert.ok(parent !== undefined, `patch path ${op.path} does not exist`);
    }
    if (Array.isArray(parent)) {
      if (last === "-") parent.push(op.value);
      else parent.splice(Number(last), 0, op.value);
    } else {
      parent[last] = op.value;
    }
  }
  return out;
}

test("an annotated gateway pod gets the TME container, its volumes and the status annotation", async () => {
  const pod = fixture("gateway-pod.json");
  const { review, ops } = await reviewOf(pod);
  assert.equal(review.response.patchType, "JSONPatch");
  assert.ok(ops);
  const patched = applyPatch(pod, ops);
  validateObject({ ...patched, metadata: { ...patched.metadata, name: "istio-ingressgateway-7d4b9c7f6-abcde" } } as K8sObject);

  assert.deepEqual(patched.spec.containers[0], pod.spec.containers[0], "the proxy container is untouched");
  const tme = patched.spec.containers.find((c: any) => c.name === "gatewarden-tme");
  assert.ok(tme);
  assert.equal(tme.image, "ghcr.io/gatewarden/gatewarden:0.1.0");
  const env = Object.fromEntries(tme.env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
  assert.equal(env.TME_HOST, "127.0.0.1", "the TME listens on the pod's loopback only");
  assert.equal(env.TME_HTTP_PORT, "5442");
  assert.equal(env.TME_GRPC_PORT, "5441");
  assert.deepEqual(tme.env.find((e: any) => e.name === "TME_AGENT_TOKEN").valueFrom, {
    secretKeyRef: { name: "gatewarden-tme", key: "agentToken", optional: true },
  });
  assert.deepEqual(tme.env.find((e: any) => e.name === "TME_ADMIN_TOKEN").valueFrom, {
    secretKeyRef: { name: "gatewarden-tme", key: "adminToken", optional: true },
  });
  assert.deepEqual(tme.envFrom, [{ configMapRef: { name: "gatewarden-tme", optional: true } }]);
  assert.equal(tme.ports, undefined, "no container ports: nothing is reachable from outside the pod");
  assert.deepEqual(tme.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  for (const probe of [tme.readinessProbe, tme.livenessProbe]) {
    assert.equal(probe.exec.command[0], "node");
    assert.match(probe.exec.command.join(" "), /http:\/\/127\.0\.0\.1:5442\/healthz/);
  }
  assert.equal(tme.securityContext.runAsNonRoot, true);
  assert.equal(tme.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(tme.volumeMounts.map((m: any) => m.mountPath).sort(), ["/etc/gatewarden", "/var/lib/gatewarden/spool"]);
  assert.deepEqual(
    patched.spec.volumes.map((v: any) => v.name),
    ["workload-socket", "gatewarden-tme-config", "gatewarden-tme-spool"],
  );
  assert.deepEqual(patched.spec.volumes[1].configMap, { name: "gatewarden-tme", optional: true });
  assert.equal(patched.metadata.annotations[STATUS_ANNOTATION], "injected");
  assert.equal(patched.metadata.annotations["inject.istio.io/templates"], "gateway");

  // Reinvoked (or re-created from the patched spec): nothing more to do.
  const again = await reviewOf(patched);
  assert.equal(again.ops, undefined);
  assert.equal(again.review.response.patchType, undefined);
});

test("the exec probe command really checks the TME's /healthz", async () => {
  const { ops } = await reviewOf(fixture("gateway-pod.json"));
  const tme = ops!.find((o: any) => o.path === "/spec/containers/-").value;
  const command: string[] = tme.readinessProbe.exec.command;
  const { createServer } = await import("node:http");
  for (const [status, expected] of [
    [200, 0],
    [503, 1],
  ] as const) {
    const server = createServer((_, res) => res.writeHead(status).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const script = command[2]!.replace(":5442/", `:${port}/`);
    const code = await new Promise<number | null>((r) => spawn(process.execPath, ["-e", script]).on("exit", r));
    server.close();
    assert.equal(code, expected, `probe against a /healthz answering ${status}`);
  }
});

test("a pod without volumes or other annotations gets /spec/volumes created", async () => {
  const pod = fixture("plain-pod.json");
  pod.metadata.annotations = { [INJECT_ANNOTATION]: "true" };
  const { ops } = await reviewOf(pod);
  const patched = applyPatch(pod, ops!);
  assert.deepEqual(
    patched.spec.volumes.map((v: any) => v.name),
    ["gatewarden-tme-config", "gatewarden-tme-spool"],
  );
  assert.equal(patched.spec.containers.length, 2);
  validateObject(patched as K8sObject);
});

test('pods without the annotation, or with it set to anything but "true", are left untouched', async () => {
  const plain = fixture("plain-pod.json");
  for (const pod of [plain, { ...plain, metadata: { ...plain.metadata, annotations: { [INJECT_ANNOTATION]: "false" } } }]) {
    const { review, ops } = await reviewOf(pod);
    assert.equal(ops, undefined);
    assert.equal(review.response.patch, undefined);
    assert.equal(review.response.warnings, undefined);
  }
  // Only CREATE is mutated.
  const { ops } = await reviewOf(fixture("gateway-pod.json"), { operation: "UPDATE" });
  assert.equal(ops, undefined);
});

test("a pod that already has a container named gatewarden-tme is not injected twice", async () => {
  const pod = fixture("gateway-pod.json");
  pod.spec.containers.push({ name: "gatewarden-tme", image: "custom/tme:dev" });
  const { ops } = await reviewOf(pod);
  assert.equal(ops, undefined);
});

test("malformed requests get 400 with the reason; reviews it cannot read are admitted with a warning", async () => {
  const cases: Array<[string | Buffer, RegExp]> = [
    ["{not json", /body is not JSON/],
    ["", /body is not JSON/],
    ["[]", /expected an AdmissionReview JSON object/],
    [JSON.stringify({ kind: "Pod" }), /kind: expected "AdmissionReview"/],
    [JSON.stringify({ apiVersion: "admission.k8s.io/v1beta1", kind: "AdmissionReview", request: { uid: "x" } }), /apiVersion/],
    [JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }), /request: missing/],
    [JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { object: {} } }), /request\.uid: missing/],
  ];
  for (const [body, reason] of cases) {
    const reply = await post(hook.url, body);
    assert.equal(reply.status, 400, `${String(body).slice(0, 40)} → ${reply.status} ${reply.text}`);
    assert.match(reply.text, /^malformed AdmissionReview: /);
    assert.match(reply.text, reason);
  }
  const huge = await post(hook.url, Buffer.alloc(5 * 1024 * 1024, 0x20));
  assert.equal(huge.status, 413);
  assert.equal((await post(hook.url, "", "GET")).status, 405);
  assert.equal((await post(hook.url, "", "GET", "/other")).status, 404);

  // Answerable, but not a Pod it can read: admitted unchanged, with a warning for the user.
  const notPod = await reviewOf(
    {},
    { kind: { group: "apps", version: "v1", kind: "Deployment" }, resource: { group: "apps", version: "v1", resource: "deployments" } },
  );
  assert.equal(notPod.ops, undefined);
  assert.match(notPod.review.response.warnings![0]!, /not a Pod/);
  const badSpec = await reviewOf({ metadata: { annotations: { [INJECT_ANNOTATION]: "true" } }, spec: "oops" });
  assert.equal(badSpec.ops, undefined);
  assert.match(badSpec.review.response.warnings![0]!, /spec is not an object/);
  const noObject = await reviewOf(null);
  assert.equal(noObject.ops, undefined);
  assert.equal(noObject.review.response.warnings!.length, 1);

  // Still serving.
  const health = await post(hook.url, "", "GET", "/healthz");
  assert.equal(health.status, 200);
  assert.ok(
    logs.some((l) => l.includes("body is not JSON")),
    logs.join("\n"),
  );
});

test("the bundled webhook (build/webhook.mjs) serves TLS from the cert and key files and injects", async () => {
  const out = join(dir, "bundle");
  execFileSync(process.execPath, [join(ROOT, "host", "webhook", "build.mjs"), "--outdir", out], { stdio: "ignore" });
  const env = {
    ...process.env,
    WEBHOOK_PORT: "0",
    WEBHOOK_HOST: "127.0.0.1",
    WEBHOOK_TLS_CERT: join(dir, "tls.crt"),
    WEBHOOK_TLS_KEY: join(dir, "tls.key"),
    WEBHOOK_CONFIG: join(dir, "injection.json"),
  };
  const child = spawn(process.execPath, [join(out, "webhook.mjs")], { env, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let output = "";
    const port = await new Promise<number>((resolvePort, reject) => {
      const onData = (c: Buffer) => {
        output += c.toString();
        const m = /tme-injector listening https=\S+:(\d+)/.exec(output);
        if (m) resolvePort(Number(m[1]));
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`webhook exited with ${code}: ${output}`)));
      setTimeout(() => reject(new Error(`webhook did not listen: ${output}`)), 10_000).unref();
    });
    const reply = await post(`https://127.0.0.1:${port}`, JSON.stringify(admissionReview(fixture("gateway-pod.json"))));
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.text).response.patchType, "JSONPatch");
  } finally {
    child.kill("SIGTERM");
  }

  // A bad configuration stops it at once, naming the field.
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ image: "", httpPort: 5442 }));
  const bad = spawn(process.execPath, [join(out, "webhook.mjs")], {
    env: { ...env, WEBHOOK_CONFIG: join(dir, "bad.json") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  bad.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => bad.once("exit", r));
  assert.equal(code, 1);
  assert.match(err, /injection config: image: expected an image reference/);
});
