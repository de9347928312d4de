// A real Kubernetes control plane for the deploy tests: etcd (Debian's etcd-server) and kube-apiserver
// (built by host/devstack/kube.mjs from the Go module proxy) on 127.0.0.1, with self-signed certificates
// made by openssl and a static bearer token for the test client. No kubelet, no controllers: objects are
// stored and admitted (webhooks called, schemas checked), pods are never scheduled.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../host/devstack/paths.ts";
import { freePort } from "../../host/devstack/ports.ts";
import { caSignedCert, openssl, selfSignedCert } from "../helpers/tls.ts";
import { waitFor } from "../helpers/wait.ts";

// The paths host/devstack/kube.mjs installs to and records a failure in.
export function kubeApiserverBinary(): string {
  return process.env.KUBE_APISERVER_BIN || join(ROOT, ".cache", "bin", "kube-apiserver");
}
export function etcdBinary(): string {
  return process.env.ETCD_BIN || "etcd";
}
const UNAVAILABLE_FILE = join(ROOT, ".cache", "setup", "kube-apiserver-unavailable");

/** Why the control plane cannot run here, as setup recorded it; undefined when kube-apiserver is there
 * (then the tests run, whatever the file says). Without both, setup has not run: that is an error. */
export function kubeUnavailable(): string | undefined {
  if (existsSync(kubeApiserverBinary())) return undefined;
  if (existsSync(UNAVAILABLE_FILE)) return readFileSync(UNAVAILABLE_FILE, "utf8").trim();
  throw new Error(
    `${kubeApiserverBinary()} not found and no reason recorded in ${UNAVAILABLE_FILE}: run \`npm run setup\` (builds it) or set KUBE_APISERVER_BIN`,
  );
}

export interface Reply {
  status: number;
  body: any;
}

export interface Cluster {
  url: string;
  /** PEM of the CA that signed the API server's certificate (and the webhook's, see `serverCert`). */
  ca: string;
  token: string;
  /** A kubeconfig file for helm/kubectl. */
  kubeconfig: string;
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<Reply>;
  /** A serving certificate for 127.0.0.1 signed by the cluster's CA: [cert, key] files. */
  serverCert(name: string): [string, string];
  logs(): string;
  stop(): Promise<void>;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill("SIGTERM");
  });
}

export async function startCluster(): Promise<Cluster> {
  if (!existsSync(kubeApiserverBinary()))
    throw new Error(`${kubeApiserverBinary()} not found: run \`npm run setup\` (builds it) or set KUBE_APISERVER_BIN`);
  const dir = mkdtempSync(join(tmpdir(), "gatewarden-kube-"));
  selfSignedCert(dir, "ca", "gatewarden-test-ca");
  const [apiCert, apiKey] = caSignedCert(dir, "apiserver", "kube-apiserver");
  openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
  openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
  const token = `test-${Date.now().toString(36)}-token`;
  writeFileSync(join(dir, "tokens.csv"), `${token},gatewarden-test,1,"system:masters"\n`);
  const ca = readFileSync(join(dir, "ca.crt"), "utf8");

  let output = "";
  const collect = (child: ChildProcess, name: string) => {
    const add = (c: Buffer) => {
      output += c
        .toString()
        .split("\n")
        .map((l) => (l ? `${name}: ${l}` : l))
        .join("\n");
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout?.on("data", add);
    child.stderr?.on("data", add);
  };

  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcd = spawn(
    etcdBinary(),
    [
      "--data-dir",
      join(dir, "etcd"),
      "--listen-client-urls",
      `http://127.0.0.1:${etcdClient}`,
      "--advertise-client-urls",
      `http://127.0.0.1:${etcdClient}`,
      "--listen-peer-urls",
      `http://127.0.0.1:${etcdPeer}`,
      "--initial-advertise-peer-urls",
      `http://127.0.0.1:${etcdPeer}`,
      "--initial-cluster",
      `default=http://127.0.0.1:${etcdPeer}`,
      "--name",
      "default",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  collect(etcd, "etcd");

  const apiserver = spawn(
    kubeApiserverBinary(),
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${apiCert}`,
      `--tls-private-key-file=${apiKey}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      // No controller-manager creates the namespaces' default ServiceAccounts that this plugin requires.
      "--disable-admission-plugins=ServiceAccount",
      "--enable-priority-and-fairness=false",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  collect(apiserver, "kube-apiserver");

  const url = `https://127.0.0.1:${apiPort}`;
  const call = (method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Reply> =>
    new Promise((resolveCall, reject) => {
      const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = request(
        `${url}${path}`,
        {
          method,
          ca,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            ...(data !== undefined ? { "content-type": contentType } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON (e.g. /readyz)
            }
            resolveCall({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on("error", reject);
      req.end(data);
    });

  const stop = async () => {
    await stopProcess(apiserver);
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  // waitFor retries on errors: an exit of either process is returned as a value to end the wait at once.
  let exited: Error | undefined;
  for (const [child, name] of [
    [etcd, "etcd"],
    [apiserver, "kube-apiserver"],
  ] as const) {
    child.once("exit", (code, signal) => (exited ??= new Error(`${name} exited (${code ?? signal}):\n${output.slice(-4000)}`)));
    child.once("error", (error) => (exited ??= error));
  }
  try {
    const ready = await waitFor(
      "kube-apiserver /readyz",
      async () => {
        if (exited) return exited;
        const reply = await call("GET", "/readyz").catch(() => undefined);
        return reply?.status === 200 ? true : undefined;
      },
      120_000,
    );
    if (ready !== true) throw ready;
  } catch (error) {
    await stop();
    throw error;
  }

  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server: url, "certificate-authority-data": Buffer.from(ca).toString("base64") } }],
      users: [{ name: "test", user: { token } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "test" } }],
      "current-context": "test",
    }),
  );
  return {
    url,
    ca,
    token,
    kubeconfig,
    request: call,
    serverCert: (name) => caSignedCert(dir, name, name),
    logs: () => output,
    stop,
  };
}

/** The REST path of an object's collection (the kinds the chart and the tests create). */
const RESOURCES: Record<string, string> = {
  "v1/Namespace": "namespaces",
  "v1/ConfigMap": "configmaps",
  "v1/Secret": "secrets",
  "v1/Service": "services",
  "v1/ServiceAccount": "serviceaccounts",
  "v1/Pod": "pods",
  "apps/v1/Deployment": "deployments",
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": "mutatingwebhookconfigurations",
  "apiextensions.k8s.io/v1/CustomResourceDefinition": "customresourcedefinitions",
  "extensions.istio.io/v1alpha1/WasmPlugin": "wasmplugins",
  "networking.istio.io/v1alpha3/EnvoyFilter": "envoyfilters",
  "networking.istio.io/v1/ServiceEntry": "serviceentries",
  "security.istio.io/v1/AuthorizationPolicy": "authorizationpolicies",
};
const CLUSTER_SCOPED = new Set(["Namespace", "MutatingWebhookConfiguration", "CustomResourceDefinition"]);

export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  const resource = RESOURCES[`${apiVersion}/${kind}`];
  if (!resource) throw new Error(`no REST path for ${apiVersion}/${kind}: add it to test/deploy/kube-cluster.ts`);
  const group = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return CLUSTER_SCOPED.has(kind) ? `${group}/${resource}` : `${group}/namespaces/${namespace ?? "default"}/${resource}`;
}
