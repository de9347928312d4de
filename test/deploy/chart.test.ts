// The Helm chart, rendered by the real Helm: every object valid against the Kubernetes and Istio schemas,
// every value landing in the field that uses it, and bad values refused with the field named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../host/devstack/paths.ts";
import { HelmError, helmTemplate, helmVersion } from "../../host/chart-tools/helm.ts";
import { parseInjectionConfig } from "../../host/webhook/config.ts";
import { loadConfig } from "../../host/tme-server/src/config.ts";
import { all, configPatches, only, render, validateObject, wasmSpec } from "./helpers.ts";

/** The keys filter/assembly/config.ts reads (its TOP_KEYS / REPORT_KEYS), read from the source. */
function filterKeys(list: "TOP_KEYS" | "REPORT_KEYS"): string[] {
  const source = readFileSync(join(ROOT, "filter", "assembly", "config.ts"), "utf8");
  const m = new RegExp(`const ${list}: Array<string> = \\[([^\\]]*)\\]`).exec(source);
  assert.ok(m, `${list} not found in filter/assembly/config.ts`);
  return [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
}

test("the project's Helm is the pinned one", async () => {
  const setup = readFileSync(join(ROOT, "host", "devstack", "setup.mjs"), "utf8");
  const pinned = /HELM_VERSION = "v(\d+\.\d+)\.\d+"/.exec(setup)?.[1];
  assert.ok(pinned);
  if (!process.env.HELM_BIN) assert.equal(await helmVersion(), `v${pinned}`);
});

test("defaults render the Wasm mode: WasmPlugin, the TME cluster, the TME ConfigMap and the webhook, all valid", async () => {
  const objects = await render();
  for (const o of objects) validateObject(o);
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
    "ConfigMap/gatewarden-tme",
    "ConfigMap/gatewarden-tme-injector",
    "Deployment/gatewarden-tme-injector",
    "EnvoyFilter/gatewarden-tme-cluster",
    "MutatingWebhookConfiguration/gatewarden-tme-injector",
    "Secret/gatewarden-tme",
    "Secret/gatewarden-webhook-tls",
    "Service/gatewarden-tme-injector",
    "ServiceAccount/gatewarden-tme-injector",
    "WasmPlugin/gatewarden",
  ]);

  const plugin = only(objects, "WasmPlugin");
  assert.equal(plugin.metadata.namespace, "gatewarden-system", "filterNamespace defaults to the release namespace");
  const spec = wasmSpec(objects);
  assert.deepEqual(spec.selector.matchLabels, { istio: "ingressgateway" });
  assert.equal(spec.pluginName, "gatewarden", "Istio sets root_id = pluginName; the filter's root id is gatewarden");
  assert.equal(spec.phase, "AUTHN");
  assert.equal(spec.failStrategy, "FAIL_OPEN");
  assert.match(spec.url, /^oci:\/\//);
  assert.deepEqual(spec.pluginConfig, {
    serviceName: "istio",
    bodyCaptureSize: 131072,
    allowedContentTypes: ["json", "x-www-form-urlencoded", "grpc"],
    allowFailureMode: true,
    tmeCluster: "gatewarden_tme",
    connectTimeout: "50ms",
    requestHandleTimeout: "0.2s",
    responseHandleTimeout: "50ms",
    blockingStatusCode: 403,
    blockingMessage: "Access Forbidden",
    report: {
      path: "/v1/records",
      maxBatchRecords: 64,
      maxBatchBytes: 1048576,
      flushInterval: "1s",
      timeout: "5s",
      maxPendingBatches: 8,
      sampleRate: 1,
    },
  });
  // Every key the chart sends is one the filter reads (the filter would warn and ignore others). Filter
  // options the chart does not name yet can be passed with wasm.extraPluginConfig.
  for (const key of Object.keys(spec.pluginConfig))
    assert.ok(filterKeys("TOP_KEYS").includes(key), `pluginConfig.${key} is not read by the filter`);
  for (const key of Object.keys(spec.pluginConfig.report))
    assert.ok(filterKeys("REPORT_KEYS").includes(key), `report.${key} unknown to the filter`);

  const [cluster] = configPatches(only(objects, "EnvoyFilter", "gatewarden-tme-cluster"));
  assert.equal(cluster!.applyTo, "CLUSTER");
  assert.equal(cluster!.match.context, "GATEWAY");
  assert.equal(cluster!.patch.operation, "ADD");
  assert.equal(cluster!.patch.value.name, spec.pluginConfig.tmeCluster, "the filter's tmeCluster must be the cluster the EnvoyFilter adds");
  assert.deepEqual(cluster!.patch.value, {
    name: "gatewarden_tme",
    type: "STATIC",
    connect_timeout: "0.050s",
    load_assignment: {
      cluster_name: "gatewarden_tme",
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 5442 } } } }] }],
    },
  });
  assert.deepEqual((only(objects, "EnvoyFilter").spec as { workloadSelector: unknown }).workloadSelector, {
    labels: { istio: "ingressgateway" },
  });

  const tmeConfig = only(objects, "ConfigMap", "gatewarden-tme");
  assert.equal(tmeConfig.metadata.namespace, "gatewarden-system");
  const data = tmeConfig.data as Record<string, string>;
  assert.equal(data.TME_HOST, "127.0.0.1");
  assert.equal(data.TME_HTTP_PORT, "5442");
  assert.equal(data.TME_GRPC_PORT, "5441");
  assert.equal(data.TME_BLOCKING_STATUS_CODE, "403");
  assert.equal(data.TME_BLOCKING_MESSAGE, "Access Forbidden");
  assert.deepEqual(
    Object.keys(only(objects, "Secret", "gatewarden-tme").data as object),
    ["adminToken"],
    "no agent token: only the generated admin token",
  );
});

test("the in-chart webhook gets a generated certificate for its Service, and the API server trusts it", async () => {
  const objects = await render();
  const mwc = only(objects, "MutatingWebhookConfiguration");
  const hook = (mwc.webhooks as Array<Record<string, any>>)[0]!;
  assert.equal(hook.failurePolicy, "Ignore");
  assert.deepEqual(hook.namespaceSelector, { matchLabels: { "gatewarden-inject-tme": "enabled" } });
  assert.deepEqual(hook.admissionReviewVersions, ["v1"]);
  assert.equal(hook.sideEffects, "None");
  assert.deepEqual(hook.rules[0].operations, ["CREATE"]);
  assert.deepEqual(hook.rules[0].resources, ["pods"]);
  assert.deepEqual(hook.clientConfig.service, {
    name: "gatewarden-tme-injector",
    namespace: "gatewarden-system",
    path: "/mutate",
    port: 443,
  });

  const secret = only(objects, "Secret", "gatewarden-webhook-tls");
  const data = secret.data as Record<string, string>;
  assert.equal(hook.clientConfig.caBundle, data["ca.crt"]);
  const ca = new X509Certificate(Buffer.from(data["ca.crt"]!, "base64"));
  const cert = new X509Certificate(Buffer.from(data["tls.crt"]!, "base64"));
  assert.ok(cert.verify(ca.publicKey), "serving certificate is not signed by the caBundle");
  assert.ok(cert.checkHost("gatewarden-tme-injector.gatewarden-system.svc"), `certificate SAN: ${cert.subjectAltName}`);
  assert.ok(cert.checkPrivateKey(createPrivateKey(Buffer.from(data["tls.key"]!, "base64"))));

  const deployment = only(objects, "Deployment");
  const pod = (deployment.spec as any).template.spec;
  assert.equal(pod.volumes.find((v: any) => v.name === "tls").secret.secretName, "gatewarden-webhook-tls");
  const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
  assert.equal(env.WEBHOOK_CONFIG, "/etc/gatewarden-webhook/config/injection.json");
  // The injection config the webhook will read is valid for it, and names the TME image and ports.
  const injection = parseInjectionConfig(JSON.parse((only(objects, "ConfigMap", "gatewarden-tme-injector").data as any)["injection.json"]));
  assert.equal(injection.image, "ghcr.io/gatewarden/gatewarden:0.1.0");
  assert.equal(injection.image, pod.containers[0].image, "one image for the TME and the webhook");
  assert.equal(injection.httpPort, 5442);
  assert.equal(injection.grpcPort, 5441);
  assert.equal(injection.configMapName, "gatewarden-tme");
});

test("ext_proc mode: the ext_proc filter before the router, an HTTP/2 cluster to the TME's gRPC port, no WasmPlugin", async () => {
  const objects = await render({ set: { mode: "ext_proc" } });
  for (const o of objects) validateObject(o);
  assert.equal(all(objects, "WasmPlugin").length, 0);
  assert.equal(all(objects, "EnvoyFilter").length, 1);
  const [cluster, filter] = configPatches(only(objects, "EnvoyFilter", "gatewarden-ext-proc"));
  assert.equal(cluster!.applyTo, "CLUSTER");
  assert.equal(cluster!.match.context, "GATEWAY");
  const c = cluster!.patch.value as any;
  assert.equal(c.name, "gatewarden_tme_grpc");
  assert.deepEqual(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
    address: "127.0.0.1",
    port_value: 5441,
  });
  const protocol = c.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  assert.deepEqual(protocol.explicit_http_config, { http2_protocol_options: {} });
  // Under the 1,000 stream resets after which the TME's HTTP/2 stack sends GOAWAY (test/e2e/ext-proc.test.ts).
  assert.equal(protocol.common_http_protocol_options.max_requests_per_connection, 900);
  assert.equal(filter!.applyTo, "HTTP_FILTER");
  assert.equal(filter!.patch.operation, "INSERT_BEFORE");
  assert.equal(filter!.match.listener?.filterChain?.filter?.subFilter?.name, "envoy.filters.http.router");
  const cfg = (filter!.patch.value as any).typed_config;
  assert.equal(filter!.patch.value.name, "envoy.filters.http.ext_proc");
  assert.equal(cfg["@type"], "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor");
  assert.deepEqual(cfg.grpc_service, { envoy_grpc: { cluster_name: "gatewarden_tme_grpc" } });
  assert.equal(cfg.failure_mode_allow, true);
  assert.equal(cfg.message_timeout, "0.200s");
  assert.equal(cfg.observability_mode, false);
  assert.equal(cfg.allow_mode_override, false);
  assert.deepEqual(cfg.request_attributes, ["source.address", "source.port", "request.protocol", "request.id"]);
  assert.equal(c.circuit_breakers.thresholds[0].max_requests, 1000000);
  assert.deepEqual(cfg.processing_mode, {
    request_header_mode: "SEND",
    response_header_mode: "SEND",
    request_body_mode: "BUFFERED_PARTIAL",
    response_body_mode: "BUFFERED_PARTIAL",
    request_trailer_mode: "SKIP",
    response_trailer_mode: "SEND",
  });
  assert.equal((only(objects, "ConfigMap", "gatewarden-tme").data as any).TME_ALLOWED_CONTENT_TYPES, "json,x-www-form-urlencoded,grpc");
});

test("ext_proc values reach the filter: every processing mode, timeouts, failure mode, google_grpc", async () => {
  const objects = await render({
    set: {
      mode: "ext_proc",
      extProc: {
        requestHeaderMode: "SKIP",
        responseHeaderMode: "SEND",
        requestBodyMode: "STREAMED",
        responseBodyMode: "BUFFERED",
        requestTrailerMode: "SEND",
        responseTrailerMode: "SEND",
        observabilityMode: true,
        allowModeOverride: true,
        messageTimeout: "1.5s",
        allowFailureMode: false,
        grpcType: "google_grpc",
      },
      "moduleExtension.grpcPort": 7001,
    },
  });
  for (const o of objects) validateObject(o);
  const patches = configPatches(only(objects, "EnvoyFilter"));
  assert.equal(patches.length, 1, "google_grpc needs no cluster");
  const cfg = (patches[0]!.patch.value as any).typed_config;
  assert.deepEqual(cfg.grpc_service, { google_grpc: { target_uri: "127.0.0.1:7001", stat_prefix: "gatewarden_tme_grpc" } });
  assert.equal(cfg.failure_mode_allow, false);
  assert.equal(cfg.message_timeout, "1.500s");
  assert.equal(cfg.observability_mode, true);
  assert.equal(cfg.allow_mode_override, true);
  assert.deepEqual(cfg.processing_mode, {
    request_header_mode: "SKIP",
    response_header_mode: "SEND",
    request_body_mode: "STREAMED",
    response_body_mode: "BUFFERED",
    request_trailer_mode: "SEND",
    response_trailer_mode: "SEND",
  });
  assert.equal((only(objects, "ConfigMap", "gatewarden-tme").data as any).TME_GRPC_PORT, "7001");
});

test("custom values reach the fields that use them", async () => {
  const objects = await render({
    values: [
      {
        bodyCaptureSize: 4096,
        allowedContentTypes: ["json", "xml"],
        allowFailureMode: false,
        serviceName: "shop",
        environment: "staging",
        connectTimeout: "250ms",
        requestHandleTimeout: "1s",
        blockingStatusCode: 429,
        blockingMessage: "Slow down",
        workloadSelectors: { app: "edge-gateway", istio: "edge" },
        filterName: "api-guard",
        filterNamespace: "edge",
        moduleExtensionHTTPPort: 6000,
        agentToken: "s3cret",
        wasm: {
          url: "https://example.com/gatewarden.wasm",
          sha256: "a".repeat(64),
          imagePullPolicy: "Always",
          phase: "STATS",
          priority: 5,
          extraPluginConfig: { futureOption: { on: true } },
        },
        tme: { namespaces: ["edge", "edge-2"], env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", TME_CAPTURE_BUFFER: 50 } },
        webhook: { failurePolicy: "Fail", namespaceSelectors: { team: "edge" } },
      },
    ],
  });
  for (const o of objects) validateObject(o);
  const spec = wasmSpec(objects);
  assert.equal(only(objects, "WasmPlugin").metadata.name, "api-guard");
  assert.equal(only(objects, "WasmPlugin").metadata.namespace, "edge");
  assert.deepEqual(spec.selector.matchLabels, { app: "edge-gateway", istio: "edge" });
  assert.equal(spec.failStrategy, "FAIL_OPEN", "allowFailureMode is about the TME, not the module (moduleFailStrategy)");
  assert.equal(spec.url, "https://example.com/gatewarden.wasm");
  assert.equal(spec.sha256, "a".repeat(64));
  assert.equal(spec.imagePullPolicy, "Always");
  assert.equal(spec.phase, "STATS");
  assert.equal(spec.priority, 5);
  const pc = spec.pluginConfig;
  assert.equal(pc.bodyCaptureSize, 4096);
  assert.deepEqual(pc.allowedContentTypes, ["json", "xml"]);
  assert.equal(pc.allowFailureMode, false);
  assert.equal(pc.serviceName, "shop");
  assert.equal(pc.environment, undefined, "environment is the TME's, not the filter's");
  assert.equal(pc.connectTimeout, "250ms");
  assert.equal(pc.requestHandleTimeout, "1s");
  assert.equal(pc.blockingStatusCode, 429);
  assert.equal(pc.blockingMessage, "Slow down");
  assert.deepEqual(pc.futureOption, { on: true });
  assert.equal(pc.tmeCluster, "api_guard_tme");

  const envoyFilter = only(objects, "EnvoyFilter", "api-guard-tme-cluster");
  assert.deepEqual((envoyFilter.spec as any).workloadSelector.labels, { app: "edge-gateway", istio: "edge" });
  const cluster = configPatches(envoyFilter)[0]!.patch.value as any;
  assert.equal(cluster.name, "api_guard_tme");
  assert.equal(cluster.connect_timeout, "0.250s");
  assert.equal(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 6000);

  const configMaps = all(objects, "ConfigMap").filter((c) => c.metadata.name === "api-guard-tme");
  assert.deepEqual(configMaps.map((c) => c.metadata.namespace).sort(), ["edge", "edge-2"]);
  const data = configMaps[0]!.data as Record<string, string>;
  assert.equal(data.TME_HTTP_PORT, "6000");
  assert.equal(data.TME_BLOCKING_STATUS_CODE, "429");
  assert.equal(data.TME_BLOCKING_MESSAGE, "Slow down");
  assert.equal(data.TME_SERVICE_NAME, "shop");
  assert.equal(data.TME_ENVIRONMENT, "staging");
  assert.equal(data.TME_CAPTURE_BUFFER, "50");
  assert.equal(data.OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318");
  const tokens = all(objects, "Secret").filter((s) => s.metadata.name === "api-guard-tme");
  assert.deepEqual(tokens.map((s) => s.metadata.namespace).sort(), ["edge", "edge-2"]);
  assert.equal(Buffer.from((tokens[0]!.data as any).agentToken, "base64").toString(), "s3cret");
  assert.ok(!JSON.stringify(configMaps).includes("s3cret"), "the agent token must not be in a ConfigMap");

  const hook = (only(objects, "MutatingWebhookConfiguration").webhooks as any[])[0];
  assert.equal(hook.failurePolicy, "Fail");
  assert.deepEqual(hook.namespaceSelector.matchLabels, { team: "edge" }, "the user's selectors replace the default");
  const injection = parseInjectionConfig(JSON.parse((only(objects, "ConfigMap", "api-guard-tme-injector").data as any)["injection.json"]));
  assert.equal(injection.configMapName, "api-guard-tme");
  assert.equal(injection.httpPort, 6000);
});

test("captureSampleRate is the filter's report.sampleRate in wasm mode, the TME's TME_STORE_SAMPLE_RATE otherwise", async () => {
  const wasm = await render({ values: [{ captureSampleRate: 0.25 }] });
  assert.equal(wasmSpec(wasm).pluginConfig.report.sampleRate, 0.25);
  assert.equal((only(wasm, "ConfigMap", "gatewarden-tme").data as any).TME_STORE_SAMPLE_RATE, "1", "the filter already sampled: not twice");
  const extProc = await render({ values: [{ mode: "ext_proc", captureSampleRate: 0.25 }] });
  assert.equal((only(extProc, "ConfigMap", "gatewarden-tme").data as any).TME_STORE_SAMPLE_RATE, "0.25");
});

test("captureSampleRate given with --set (a string to Helm) is read as its number", async () => {
  // `helm install --set captureSampleRate=0.5` hands the chart the string "0.5".
  const wasm = await render({ set: { captureSampleRate: "0.5" } });
  assert.equal(wasmSpec(wasm).pluginConfig.report.sampleRate, 0.5);
  const extProc = await render({ set: { mode: "ext_proc", captureSampleRate: "0.05" } });
  assert.equal((only(extProc, "ConfigMap", "gatewarden-tme").data as any).TME_STORE_SAMPLE_RATE, "0.05");
});

test("every captureSampleRate the chart accepts renders a TME_STORE_SAMPLE_RATE the TME accepts, small ones too", async () => {
  // Go prints small floats in e-notation (0.00005 as 5e-05), which the TME's variable does not read.
  for (const [rate, expected] of [
    [0, 0],
    [1, 1],
    [0.5, 0.5],
    [0.00005, 0.00005],
    [0.000001, 0.000001],
  ] as const) {
    const objects = await render({ values: [{ mode: "ext_proc", captureSampleRate: rate }] });
    const data = only(objects, "ConfigMap", "gatewarden-tme").data as Record<string, string>;
    assert.equal(loadConfig({ ...data, TME_SPOOL_DIR: "/tmp/unused" }).storeSampleRate, expected, `captureSampleRate ${rate}`);
  }
});

test("webhook.enable points the MutatingWebhookConfiguration at an external webhook and runs none", async () => {
  const caBundle = Buffer.from("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n").toString("base64");
  const objects = await render({
    set: { "webhook.enable": true, "webhook.url": "https://injector.example.com/mutate", "webhook.caBundle": caBundle },
  });
  for (const o of objects) validateObject(o);
  assert.equal(all(objects, "Deployment").length, 0);
  assert.equal(all(objects, "Service").length, 0);
  assert.deepEqual(
    all(objects, "Secret").map((s) => s.metadata.name),
    ["gatewarden-tme"],
    "only the TME's tokens",
  );
  const hook = (only(objects, "MutatingWebhookConfiguration").webhooks as any[])[0];
  assert.deepEqual(hook.clientConfig, { url: "https://injector.example.com/mutate", caBundle });
  assert.equal(hook.failurePolicy, "Ignore");
});

test("bad values fail `helm template` and name the field", async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ bodyCaptureSize: "big" }, /bodyCaptureSize/],
    [{ bodyCaptureSize: -1 }, /bodyCaptureSize/],
    [{ bodyCaptureSize: 64 * 1024 * 1024 }, /bodyCaptureSize/],
    [{ mode: "lua" }, /\/mode/],
    [{ blockingStatusCode: 503 }, /blockingStatusCode/],
    [{ connectTimeout: "fast" }, /connectTimeout/],
    [{ "moduleExtension.grpcPort": 70000 }, /moduleExtension\/grpcPort/],
    [{ "moduleExtension.ipAddress": "localhost" }, /moduleExtension\/ipAddress/],
    [{ "extProc.requestBodyMode": "FULL" }, /extProc\/requestBodyMode/],
    [{ "extProc.grpcType": "grpc" }, /extProc\/grpcType/],
    [{ "webhook.failurePolicy": "Maybe" }, /webhook\/failurePolicy/],
    [{ "wasm.url": "http://insecure/x.wasm" }, /wasm\/url/],
    [{ "wasm.url": "https://example.com/x.wasm" }, /wasm\/sha256/],
    [{ "webhook.enable": true }, /webhook\/url/],
    [{ allowFailureMode: "yes" }, /allowFailureMode/],
    [{ bodyCaptureSizee: 1 }, /bodyCaptureSizee/],
    [{ captureSampleRate: 1.5 }, /captureSampleRate/],
    [{ captureSampleRate: "half" }, /captureSampleRate/],
    [{ captureSampleRate: -0.1 }, /captureSampleRate/],
    [{ captureSampleRate: "1.5" }, /captureSampleRate/],
    [{ captureSampleRate: "-0.1" }, /captureSampleRate/],
    [{ filterName: "Bad_Name" }, /filterName/],
  ];
  for (const [set, field] of cases) {
    await assert.rejects(helmTemplate({ set }), (error: unknown) => {
      assert.ok(error instanceof HelmError, String(error));
      assert.match(error.stderr, field, `for ${JSON.stringify(set)}`);
      return true;
    });
  }
});

test("the Istio schemas the objects are checked against refuse what Istio refuses", () => {
  const plugin = (spec: Record<string, unknown>) => ({
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: "x" },
    spec: { url: "oci://r/x:1", ...spec },
  });
  validateObject(plugin({ failStrategy: "FAIL_RELOAD" }));
  assert.throws(() => validateObject(plugin({ failStrategy: "FAIL_SOMETIMES" })), /WasmPlugin x is invalid/);
  assert.throws(
    () =>
      validateObject({
        apiVersion: "networking.istio.io/v1alpha3",
        kind: "EnvoyFilter",
        metadata: { name: "x" },
        spec: { priority: "high" },
      }),
    /EnvoyFilter x is invalid/,
  );
  assert.throws(
    () => validateObject({ apiVersion: "extensions.istio.io/v1alpha2", kind: "WasmPlugin", metadata: { name: "x" } }),
    /no schema/,
  );
});
