// The chart and the injection webhook against a real Kubernetes API server (etcd + kube-apiserver on
// 127.0.0.1, test/deploy/kube-cluster.ts): Helm installs the chart, every object of every mode passes the
// API server's validation (Istio's published CRD schemas included), the API server calls the webhook
// over TLS and stores gateway pods with the TME, and failurePolicy does what it says when the webhook is
// down. Also the README's operational steps: get wasmplugins/envoyfilters, upgrade (tokens kept), uninstall.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../host/devstack/paths.ts";
import { CHART_DIR, helmBinary, parseObjects, type K8sObject } from "../../host/chart-tools/helm.ts";
import { INJECT_ANNOTATION } from "../../host/webhook/inject.ts";
import { waitFor } from "../helpers/wait.ts";
import { collectionPath, kubeUnavailable, startCluster, type Cluster } from "./kube-cluster.ts";
import { only, render } from "./helpers.ts";

const RELEASE_NS = "gatewarden-system";
const GATEWAY_NS = "gateways";
const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8"));

let cluster: Cluster;
let dir = "";
let webhook: ChildProcess | undefined;
let webhookOutput = "";
let webhookUrl = "";
let helmValues = "";

function helm(args: string[]): Promise<string> {
  return new Promise((resolveHelm, reject) => {
    execFile(
      helmBinary(),
      [...args, "--kubeconfig", cluster.kubeconfig],
      {
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(dir, "helm-cache"),
          HELM_CONFIG_HOME: join(dir, "helm-config"),
          HELM_DATA_HOME: join(dir, "helm-data"),
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => (error ? reject(new Error(`helm ${args[0]}: ${stderr || error.message}`)) : resolveHelm(stdout)),
    );
  });
}

async function create(obj: K8sObject, dryRun = false): Promise<any> {
  const path = collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace) + (dryRun ? "?dryRun=All" : "");
  const reply = await cluster.request("POST", path, obj);
  assert.ok(
    reply.status === 201 || reply.status === 200,
    `${obj.kind}/${obj.metadata.name}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 800)}`,
  );
  return reply.body;
}

async function list(apiVersion: string, kind: string, namespace: string): Promise<string[]> {
  const reply = await cluster.request("GET", collectionPath(apiVersion, kind, namespace));
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return (reply.body.items as K8sObject[]).map((o) => o.metadata.name).sort();
}

function gatewayPod(namespace: string): K8sObject {
  const pod = fixture("gateway-pod.json");
  pod.metadata.namespace = namespace;
  return pod;
}

async function startWebhook(): Promise<void> {
  const [cert, key] = cluster.serverCert("webhook");
  // The injector configuration as the in-cluster webhook gets it; this test runs the same process outside.
  const objects = await render({ values: [{ filterNamespace: GATEWAY_NS }] });
  writeFileSync(
    join(dir, "injection.json"),
    (only(objects, "ConfigMap", "gatewarden-tme-injector").data as Record<string, string>)["injection.json"]!,
  );
  webhookOutput = "";
  webhook = spawn(process.execPath, [join(dir, "bundle", "webhook.mjs")], {
    env: {
      ...process.env,
      WEBHOOK_PORT: webhookUrl ? new URL(webhookUrl).port : "0",
      WEBHOOK_HOST: "127.0.0.1",
      WEBHOOK_TLS_CERT: cert,
      WEBHOOK_TLS_KEY: key,
      WEBHOOK_CONFIG: join(dir, "injection.json"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onData = (c: Buffer) => (webhookOutput += c.toString());
  webhook.stdout!.on("data", onData);
  webhook.stderr!.on("data", onData);
  const port = await waitFor("the webhook to listen", async () => {
    if (webhook!.exitCode !== null) throw new Error(`webhook exited: ${webhookOutput}`);
    return /tme-injector listening https=\S+:(\d+)/.exec(webhookOutput)?.[1];
  });
  webhookUrl = `https://127.0.0.1:${port}/mutate`;
}

async function stopWebhook(): Promise<void> {
  const child = webhook;
  webhook = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise((r) => {
    child.once("exit", r);
    child.kill("SIGTERM");
  });
}

/** The install's values: the webhook as an external URL (this API server has no cluster network to reach
 * a Service), trusted through the cluster CA. */
function helmValuesObject(): Record<string, unknown> {
  return {
    filterNamespace: GATEWAY_NS,
    webhook: { enable: true, url: webhookUrl || "https://127.0.0.1:1/mutate", caBundle: Buffer.from(cluster.ca).toString("base64") },
  };
}

// setup.mjs builds kube-apiserver (about an hour cold); when it could not, the reason it recorded is the skip.
describe("the chart and the webhook on a real API server", { skip: kubeUnavailable() }, () => {
  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), "gatewarden-kube-test-"));
      execFileSync(process.execPath, [join(ROOT, "host", "webhook", "build.mjs"), "--outdir", join(dir, "bundle")], { stdio: "ignore" });
      cluster = await startCluster();
      for (const crd of parseObjects(readFileSync(join(import.meta.dirname, "fixtures", "istio-crds.yaml"), "utf8"))) await create(crd);
      await waitFor(
        "Istio's CRDs to be served",
        async () => {
          const reply = await cluster.request("GET", `/apis/extensions.istio.io/v1alpha1/namespaces/default/wasmplugins`);
          const ef = await cluster.request("GET", `/apis/networking.istio.io/v1alpha3/namespaces/default/envoyfilters`);
          return reply.status === 200 && ef.status === 200 ? true : undefined;
        },
        30_000,
      );
      await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: GATEWAY_NS, labels: { "gatewarden-inject-tme": "enabled" } } });
      await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "plain" } });
      await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: RELEASE_NS } });
      await startWebhook();
      helmValues = join(dir, "values.json");
      writeFileSync(helmValues, JSON.stringify(helmValuesObject()));
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await stopWebhook();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the API server is the Kubernetes release host/kube/go.mod pins", async () => {
    const pinned = /^require k8s\.io\/kubernetes (v\S+)$/m.exec(readFileSync(join(ROOT, "host", "kube", "go.mod"), "utf8"))![1];
    const reply = await cluster.request("GET", "/version");
    assert.equal(reply.body.gitVersion, pinned);
  });

  // Before the install: the chart's object names are fixed, and a dry run of an existing object is refused.
  test("every object of every mode passes the API server's validation (dry run)", { timeout: 120_000 }, async () => {
    for (const values of [
      { mode: "wasm" },
      { mode: "ext_proc" },
      { mode: "ext_authz" },
      { mode: "ext_proc", extProc: { grpcType: "google_grpc" }, moduleFailStrategy: "FAIL_RELOAD" },
    ]) {
      const objects = await render({
        values: [{ ...values, filterNamespace: GATEWAY_NS, agentToken: "agent-token" }],
        namespace: RELEASE_NS,
      });
      for (const o of objects) await create(o, true);
    }
    // The same dry run refuses what Istio's schema refuses, CEL rules included (which the offline Ajv check
    // of test/deploy/helpers.ts does not run).
    const plugin = only(await render({ values: [{ filterNamespace: GATEWAY_NS }], namespace: RELEASE_NS }), "WasmPlugin");
    (plugin.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { istio: "ingress*" };
    const refused = await cluster.request(
      "POST",
      `${collectionPath(plugin.apiVersion, plugin.kind, plugin.metadata.namespace)}?dryRun=All`,
      plugin,
    );
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(refused.body.message, /wildcard not allowed in label value match/);
  });

  test("helm installs the chart into the API server; `get wasmplugins,envoyfilters` in filterNamespace lists them", {
    timeout: 120_000,
  }, async () => {
    await helm(["install", "gatewarden", CHART_DIR, "-n", RELEASE_NS, "--create-namespace", "-f", helmValues]);
    assert.deepEqual(await list("extensions.istio.io/v1alpha1", "WasmPlugin", GATEWAY_NS), ["gatewarden"]);
    assert.deepEqual(await list("networking.istio.io/v1alpha3", "EnvoyFilter", GATEWAY_NS), ["gatewarden-tme-cluster"]);
    const secret = await cluster.request("GET", `/api/v1/namespaces/${GATEWAY_NS}/secrets/gatewarden-tme`);
    assert.match(Buffer.from(secret.body.data.adminToken, "base64").toString(), /^[A-Za-z0-9]{32}$/);
    const status = await helm(["status", "gatewarden", "-n", RELEASE_NS]);
    assert.match(status, /STATUS: deployed/);
  });

  test("a gateway pod in a labelled namespace: the API server calls the webhook over TLS and stores the pod with the TME", {
    timeout: 60_000,
  }, async () => {
    const created = await create(gatewayPod(GATEWAY_NS));
    const names = (created.spec.containers as Array<{ name: string }>).map((c) => c.name);
    assert.deepEqual(names, ["istio-proxy", "gatewarden-tme"], webhookOutput);
    assert.match(webhookOutput, new RegExp(`injected the TME into ${GATEWAY_NS}/`));
    const stored = await cluster.request("GET", `/api/v1/namespaces/${GATEWAY_NS}/pods/${created.metadata.name}`);
    const tme = (stored.body.spec.containers as any[]).find((c) => c.name === "gatewarden-tme");
    assert.ok(tme, "the stored pod has the TME");
    assert.deepEqual(tme.env.find((e: any) => e.name === "TME_ADMIN_TOKEN").valueFrom.secretKeyRef, {
      name: "gatewarden-tme",
      key: "adminToken",
      optional: true,
    });
    assert.equal(stored.body.metadata.annotations[INJECT_ANNOTATION], "true");
  });

  test("a pod in an unlabelled namespace gets no TME (the webhook is not called)", { timeout: 60_000 }, async () => {
    const before = webhookOutput;
    const created = await create(gatewayPod("plain"));
    assert.deepEqual(
      (created.spec.containers as Array<{ name: string }>).map((c) => c.name),
      ["istio-proxy"],
    );
    assert.equal(webhookOutput, before);
  });

  test("failurePolicy with the webhook down: Ignore starts the pod without the TME, Fail refuses it", { timeout: 120_000 }, async () => {
    await stopWebhook();
    const ignored = await create(gatewayPod(GATEWAY_NS));
    assert.deepEqual(
      (ignored.spec.containers as Array<{ name: string }>).map((c) => c.name),
      ["istio-proxy"],
    );

    const adminBefore = (await cluster.request("GET", `/api/v1/namespaces/${GATEWAY_NS}/secrets/gatewarden-tme`)).body.data.adminToken;
    await helm(["upgrade", "gatewarden", CHART_DIR, "-n", RELEASE_NS, "--reuse-values", "--set", "webhook.failurePolicy=Fail"]);
    const adminAfter = (await cluster.request("GET", `/api/v1/namespaces/${GATEWAY_NS}/secrets/gatewarden-tme`)).body.data.adminToken;
    assert.equal(adminAfter, adminBefore, "the generated admin token is kept across upgrades");

    const refused = await cluster.request("POST", collectionPath("v1", "Pod", GATEWAY_NS), gatewayPod(GATEWAY_NS));
    assert.equal(refused.status, 500, JSON.stringify(refused.body));
    assert.match(refused.body.message, /failed calling webhook "tme-injector\.gatewarden\.io"/);

    await startWebhook();
    const injected = await create(gatewayPod(GATEWAY_NS));
    assert.ok((injected.spec.containers as Array<{ name: string }>).some((c) => c.name === "gatewarden-tme"));
  });

  test("helm uninstall removes the filter and the webhook configuration", { timeout: 120_000 }, async () => {
    await helm(["uninstall", "gatewarden", "-n", RELEASE_NS]);
    assert.deepEqual(await list("extensions.istio.io/v1alpha1", "WasmPlugin", GATEWAY_NS), []);
    assert.deepEqual(await list("networking.istio.io/v1alpha3", "EnvoyFilter", GATEWAY_NS), []);
    const hooks = await cluster.request("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations");
    assert.deepEqual(hooks.body.items, []);
  });
});
