// What the chart ships, run in a real Envoy: the rendered WasmPlugin's filter and pluginConfig, and the
// rendered EnvoyFilter's cluster, taken from the committed manifest bundle, in front of the echo upstream
// and the real TME (configured from the rendered ConfigMap). Then the ext_proc mode's rendered filter and
// cluster: Envoy accepts them, fails open or closed without the TME, and with it the TME captures.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startEnvoy, type EnvoyProcess } from "../../host/devstack/envoy.ts";
import { startUpstream, type Upstream } from "../../host/devstack/upstream.ts";
import { startTmeProcess, type TmeProcess } from "../../host/devstack/tme.ts";
import { freePort } from "../../host/devstack/ports.ts";
import { ROOT, WASM_PATH } from "../../host/devstack/paths.ts";
import { MANIFESTS_DIR, parseObjects } from "../../host/chart-tools/helm.ts";
import { waitFor } from "../helpers/wait.ts";
import { only, render, wasmSpec } from "./helpers.ts";
import { gatewayConfig, retargetCluster, type GatewayConfig } from "./istio-envoy.ts";

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function shipped(file: string) {
  return parseObjects(readFileSync(join(MANIFESTS_DIR, file), "utf8"));
}

async function startGateway(config: GatewayConfig): Promise<EnvoyProcess> {
  const envoy = await startEnvoy({
    template: "istio-gateway.yaml",
    vars: { GATEWAY_HTTP_FILTERS: JSON.stringify(config.httpFilters), GATEWAY_CLUSTERS: JSON.stringify(config.clusters) },
  });
  cleanups.push(() => envoy.stop());
  return envoy;
}

async function upstream(): Promise<Upstream> {
  const u = await startUpstream();
  cleanups.push(() => u.stop());
  return u;
}

test("wasm mode as shipped: traffic through the rendered filter is captured by the TME over the rendered cluster", async () => {
  const objects = shipped("gatewarden-wasm.yaml");
  const spec = wasmSpec(objects);
  const tmeEnv = only(objects, "ConfigMap", "gatewarden-tme").data as Record<string, string>;

  // The TME as the injected container runs it: the ConfigMap's settings, on a free port instead of 5442.
  const httpPort = await freePort();
  const spool = mkdtempSync(join(tmpdir(), "gatewarden-deploy-spool-"));
  cleanups.push(() => rmSync(spool, { recursive: true, force: true }));
  const { TME_HTTP_PORT, TME_GRPC_PORT, ...env } = tmeEnv;
  assert.equal(TME_HTTP_PORT, "5442");
  const tme: TmeProcess = await startTmeProcess({ httpPort, grpcPort: 0, env: { ...env, TME_SPOOL_DIR: spool } });
  cleanups.push(() => tme.stop());

  const up = await upstream();
  const config = gatewayConfig(objects, { upstreamPort: up.port, moduleFile: WASM_PATH });
  retargetCluster(config, spec.pluginConfig.tmeCluster as string, 5442, httpPort);
  assert.equal(config.httpFilters[0]!.name, "istio-system.gatewarden");
  const envoy = await startGateway(config);

  const body = JSON.stringify({ order: { sku: "A-1", qty: 2 } });
  const testId = `deploy-${Date.now()}`;
  const res = await fetch(`${envoy.url}/api/orders?id=7`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test-id": testId },
    body,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-upstream"), "echo");
  await res.arrayBuffer();

  // The shipped flushInterval (1s) applies: the capture shows up within a few seconds.
  const capture = await waitFor(
    "the capture of the request",
    async () => {
      const r = await fetch(`${tme.url}/v1/captures?limit=100`);
      const { captures } = (await r.json()) as { captures: Array<{ attributes: Record<string, unknown> }> };
      return captures.find((c) => (c.attributes["http.request.header.x-test-id"] as string[] | undefined)?.[0] === testId);
    },
    15_000,
  );
  assert.equal(capture.attributes["http.request.method"], "POST");
  assert.equal(capture.attributes["url.path"], "/api/orders");
  assert.equal(capture.attributes["http.request.body"], body);
  assert.equal(capture.attributes["http.response.status_code"], 200);
  assert.equal(capture.attributes["gatewarden.service.name"], spec.pluginConfig.serviceName);

  // The filter's own metrics exist under the name prefix the chart tells Istio to keep.
  const values = parse(readFileSync(join(ROOT, "deploy", "helm", "gatewarden", "values.yaml"), "utf8")) as { statsInclusionPrefix: string };
  const stats = await (await fetch(`${envoy.adminUrl}/stats?filter=gatewarden_`)).text();
  const names = stats
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(":")[0]!.trim());
  const filterStats = names.filter((n) => n.includes("gatewarden_captured_total"));
  assert.ok(filterStats.length > 0, `no gatewarden_captured_total in /stats:\n${stats}`);
  for (const n of filterStats)
    assert.ok(n.startsWith(values.statsInclusionPrefix), `${n} does not start with statsInclusionPrefix ${values.statsInclusionPrefix}`);
  const captured = names.filter((n) => n.startsWith(values.statsInclusionPrefix));
  assert.ok(captured.length >= 3, `expected several filter metrics under ${values.statsInclusionPrefix}, got ${captured.join(", ")}`);
});

test("ext_proc mode as shipped: Envoy accepts the rendered ext_proc filter and gRPC cluster, and fails open without the TME", async () => {
  // Envoy loads the filter and the HTTP/2 cluster exactly as rendered, and with failure_mode_allow
  // traffic flows while nothing answers on the gRPC port (capture is checked in the last test).
  const objects = shipped("gatewarden-ext-proc.yaml");
  const up = await upstream();
  const config = gatewayConfig(objects, { upstreamPort: up.port, moduleFile: WASM_PATH });
  assert.deepEqual(
    config.httpFilters.map((f) => f.name),
    ["envoy.filters.http.ext_proc", "envoy.filters.http.router"],
  );
  retargetCluster(config, "gatewarden_tme_grpc", 5441, await freePort()); // nothing listens there
  const envoy = await startGateway(config);
  const res = await fetch(`${envoy.url}/anything`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(res.status, 200, "failure_mode_allow: true lets traffic through when the processor is unreachable");
  await res.arrayBuffer();
  const stats = await (await fetch(`${envoy.adminUrl}/stats?filter=ext_proc`)).text();
  assert.match(stats, /ext_proc\S*\.streams_started: [1-9]/, stats);
});

test("ext_proc mode with google_grpc, fail-closed and every processing mode set: Envoy accepts it", async () => {
  const objects = await render({
    set: {
      mode: "ext_proc",
      extProc: {
        requestHeaderMode: "SEND",
        responseHeaderMode: "SKIP",
        requestBodyMode: "STREAMED",
        responseBodyMode: "BUFFERED",
        requestTrailerMode: "SEND",
        responseTrailerMode: "SEND",
        observabilityMode: false,
        allowModeOverride: true,
        messageTimeout: "0.5s",
        allowFailureMode: false,
        grpcType: "google_grpc",
      },
      "moduleExtension.grpcPort": await freePort(),
    },
  });
  const up = await upstream();
  const envoy = await startGateway(gatewayConfig(objects, { upstreamPort: up.port, moduleFile: WASM_PATH }));
  const res = await fetch(`${envoy.url}/anything`);
  assert.equal(res.status, 500, "failure_mode_allow: false rejects traffic when the processor is unreachable");
  await res.arrayBuffer();
});

test("ext_proc mode as shipped: traffic through the rendered ext_proc filter is captured by the TME's ext_proc server", async () => {
  const objects = shipped("gatewarden-ext-proc.yaml");
  const tmeEnv = only(objects, "ConfigMap", "gatewarden-tme").data as Record<string, string>;
  const grpcPort = await freePort();
  const spool = mkdtempSync(join(tmpdir(), "gatewarden-deploy-spool-"));
  cleanups.push(() => rmSync(spool, { recursive: true, force: true }));
  const { TME_HTTP_PORT, TME_GRPC_PORT, ...env } = tmeEnv;
  assert.equal(TME_GRPC_PORT, "5441");
  const tme = await startTmeProcess({ httpPort: 0, grpcPort, env: { ...env, TME_SPOOL_DIR: spool } });
  cleanups.push(() => tme.stop());

  const up = await upstream();
  const config = gatewayConfig(objects, { upstreamPort: up.port, moduleFile: WASM_PATH });
  retargetCluster(config, "gatewarden_tme_grpc", 5441, grpcPort);
  const envoy = await startGateway(config);

  const body = JSON.stringify({ order: { sku: "A-1", qty: 2 } });
  const testId = `deploy-ext-proc-${Date.now()}`;
  const res = await fetch(`${envoy.url}/api/orders?id=7`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test-id": testId },
    body,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-upstream"), "echo");
  const echoed = await res.text();

  const capture = await waitFor(
    "the capture of the request",
    async () => {
      const r = await fetch(`${tme.url}/v1/captures?limit=100`);
      const { captures } = (await r.json()) as { captures: Array<{ source: string; attributes: Record<string, unknown> }> };
      return captures.find((c) => (c.attributes["http.request.header.x-test-id"] as string[] | undefined)?.[0] === testId);
    },
    15_000,
  );
  assert.equal(capture.source, "ext_proc");
  assert.equal(capture.attributes["http.request.method"], "POST");
  assert.equal(capture.attributes["url.path"], "/api/orders");
  assert.equal(capture.attributes["url.query"], "id=7");
  assert.equal(capture.attributes["http.request.body"], body);
  assert.equal(capture.attributes["http.response.status_code"], 200);
  assert.equal(capture.attributes["http.response.body"], echoed);
  assert.equal(capture.attributes["gatewarden.service.name"], tmeEnv.TME_SERVICE_NAME);
});
