// The commercial agent chart's keys, as its users write them, install unchanged and mean what the
// project's own keys mean; and every key does what it says (issue 13).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { HelmError, helmTemplate, type K8sObject } from "../../host/chart-tools/helm.ts";
import { all, configPatches, only, render, validateObject, wasmSpec } from "./helpers.ts";

const fixture = (name: string): Record<string, unknown> => parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8"));

/** A render with what Helm generates afresh each time (certificates, tokens) blanked, to compare two renders. */
function stable(objects: K8sObject[]): K8sObject[] {
  const copy = structuredClone(objects);
  for (const o of copy) {
    if (o.kind === "Secret") o.data = Object.fromEntries(Object.keys(o.data as object).map((k) => [k, "(generated)"]));
    if (o.kind === "MutatingWebhookConfiguration")
      for (const hook of o.webhooks as Array<{ clientConfig: { caBundle?: string } }>) hook.clientConfig.caBundle = "(generated)";
  }
  return copy.sort((a, b) =>
    `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.namespace}/${b.metadata.name}`),
  );
}

for (const mode of ["wasm", "ext_proc"]) {
  test(`${mode}: the commercial chart's values file renders the same objects as its project-key equivalent`, async () => {
    const commercial = await render({ values: [{ ...fixture("commercial-values.yaml"), mode }] });
    const project = await render({ values: [{ ...fixture("project-values.yaml"), mode }] });
    for (const o of commercial) validateObject(o);
    assert.deepEqual(stable(commercial), stable(project));
  });
}

test("commercial keys land where the project's keys do", async () => {
  const objects = await render({
    values: [
      {
        mode: "ext_proc",
        moduleExtensionGRPCPort: 7001,
        moduleExtensionIPAddress: "127.0.0.2",
        workloadSelectors: ["app: edge", "tier:  front "],
        responseHandleTimeout: 75,
        requestTimeout: "300ms",
        extProc: { requestBodyProcessingMode: "STREAMED", responseTrailerProcessingMode: "SKIP" },
        injector: { blockingConfig: { blockingStatusCode: 451, blockingMessage: "Unavailable" } },
      },
    ],
  });
  for (const o of objects) validateObject(o);
  const ef = only(objects, "EnvoyFilter");
  assert.deepEqual((ef.spec as any).workloadSelector.labels, { app: "edge", tier: "front" });
  const [cluster, filter] = configPatches(ef);
  assert.deepEqual((cluster!.patch.value as any).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
    address: "127.0.0.2",
    port_value: 7001,
  });
  const cfg = (filter!.patch.value as any).typed_config;
  assert.equal(cfg.message_timeout, "0.300s");
  assert.equal(cfg.processing_mode.request_body_mode, "STREAMED");
  assert.equal(cfg.processing_mode.response_trailer_mode, "SKIP");
  const data = only(objects, "ConfigMap", "gatewarden-tme").data as Record<string, string>;
  assert.equal(data.TME_GRPC_PORT, "7001");
  assert.equal(data.TME_BLOCKING_STATUS_CODE, "451");
  assert.equal(data.TME_BLOCKING_MESSAGE, "Unavailable");

  const wasm = wasmSpec(
    await render({ values: [{ workloadSelectors: ["app: edge"], responseHandleTimeout: 75, requestHandleTimeout: 1500 }] }),
  );
  assert.deepEqual(wasm.selector.matchLabels, { app: "edge" });
  assert.equal(wasm.pluginConfig.responseHandleTimeout, "75ms");
  assert.equal(wasm.pluginConfig.requestHandleTimeout, "1500ms");
});

test("webhook.useNamespaceSelectors.tme=false: the webhook sees every namespace (but the system ones) and injects by annotation", async () => {
  const objects = await render({ values: [{ webhook: { useNamespaceSelectors: { tme: false, java: false } } }] });
  for (const o of objects) validateObject(o);
  const hook = (only(objects, "MutatingWebhookConfiguration").webhooks as any[])[0];
  assert.deepEqual(hook.namespaceSelector, {
    matchExpressions: [
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "kube-node-lease", "gatewarden-system"] },
    ],
  });
  const selected = (only(await render(), "MutatingWebhookConfiguration").webhooks as any[])[0];
  assert.deepEqual(selected.namespaceSelector, { matchLabels: { "gatewarden-inject-tme": "enabled" } });
});

test("unknown keys are still refused, named, next to the commercial ones", async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ moduleExtensionGRPCPorts: 1 }, /moduleExtensionGRPCPorts/],
    [{ extProc: { requestBodyProcessingModes: "BUFFERED" } }, /requestBodyProcessingModes/],
    [{ extProc: { requestBodyProcessingMode: "FULL" } }, /requestBodyProcessingMode/],
    [{ injector: { blockingConfig: { blockingStatus: 403 } } }, /blockingStatus/],
    [{ webhook: { useNamespaceSelectors: { python: true } } }, /python/],
    [{ workloadSelectors: ["no colon"] }, /workloadSelectors/],
    [{ responseHandleTimeout: -5 }, /responseHandleTimeout/],
  ];
  for (const [values, field] of cases) {
    await assert.rejects(helmTemplate({ values: [values] }), (error: unknown) => {
      assert.ok(error instanceof HelmError, String(error));
      assert.match(error.stderr, field, `for ${JSON.stringify(values)}`);
      return true;
    });
  }
});

test("user selectors replace the defaults instead of being merged with them", async () => {
  const objects = await render({ values: [{ workloadSelectors: { app: "edge" }, webhook: { namespaceSelectors: { team: "edge" } } }] });
  assert.deepEqual(wasmSpec(objects).selector.matchLabels, { app: "edge" });
  assert.deepEqual((only(objects, "EnvoyFilter").spec as any).workloadSelector.labels, { app: "edge" });
  assert.deepEqual((only(objects, "MutatingWebhookConfiguration").webhooks as any[])[0].namespaceSelector.matchLabels, { team: "edge" });
});

test("filterNamespace defaults to the release namespace", async () => {
  const objects = await render({ namespace: "istio-ingress" });
  assert.equal(only(objects, "WasmPlugin").metadata.namespace, "istio-ingress");
  assert.equal(only(objects, "EnvoyFilter").metadata.namespace, "istio-ingress");
  assert.equal(only(objects, "ConfigMap", "gatewarden-tme").metadata.namespace, "istio-ingress");
  assert.equal(only(await render({ set: { filterNamespace: "istio-system" } }), "WasmPlugin").metadata.namespace, "istio-system");
});

test("the TME's ConfigMap carries what the TME reads: allowedContentTypes, no TME_MODE / TME_ALLOW_FAILURE_MODE", async () => {
  const tmeSource = readFileSync(join(import.meta.dirname, "..", "..", "host", "tme-server", "src", "config.ts"), "utf8");
  for (const mode of ["wasm", "ext_proc", "ext_authz"]) {
    const objects = await render({ values: [{ mode, allowedContentTypes: ["json", "xml"] }] });
    const data = only(objects, "ConfigMap", "gatewarden-tme").data as Record<string, string>;
    assert.equal(data.TME_ALLOWED_CONTENT_TYPES, "json,xml", mode);
    for (const name of Object.keys(data))
      assert.ok(tmeSource.includes(`${name}:`), `${mode}: ${name} is not read by the TME (host/tme-server/src/config.ts)`);
  }
});

test("moduleFailStrategy is the WasmPlugin's failStrategy, independent of allowFailureMode", async () => {
  assert.equal(wasmSpec(await render()).failStrategy, "FAIL_OPEN");
  const closed = await render({ values: [{ moduleFailStrategy: "FAIL_CLOSE", allowFailureMode: true }] });
  assert.equal(wasmSpec(closed).failStrategy, "FAIL_CLOSE");
  assert.equal(wasmSpec(closed).pluginConfig.allowFailureMode, true);
  const reload = await render({ values: [{ moduleFailStrategy: "FAIL_RELOAD", allowFailureMode: false }] });
  for (const o of reload) validateObject(o);
  assert.equal(wasmSpec(reload).failStrategy, "FAIL_RELOAD");
  await assert.rejects(helmTemplate({ values: [{ moduleFailStrategy: "FAIL_SOMETIMES" }] }), /moduleFailStrategy/);
});

test("the ext_proc EnvoyFilter has a priority (istioctl IST0151: a relative patch without one)", async () => {
  const ef = only(await render({ set: { mode: "ext_proc" } }), "EnvoyFilter");
  assert.equal(typeof (ef.spec as any).priority, "number");
  assert.notEqual((ef.spec as any).priority, 0);
  assert.equal((only(await render({ set: { mode: "ext_proc", "extProc.priority": 20 } }), "EnvoyFilter").spec as any).priority, 20);
});

test("ext_authz mode: an AuthorizationPolicy CUSTOM naming the mesh's extension provider, the TME's local ServiceEntry, no Wasm", async () => {
  const objects = await render({ values: [{ mode: "ext_authz", filterNamespace: "istio-system", workloadSelectors: { app: "edge" } }] });
  for (const o of objects) validateObject(o);
  assert.equal(all(objects, "WasmPlugin").length, 0);
  assert.equal(all(objects, "EnvoyFilter").length, 0);
  const policy = only(objects, "AuthorizationPolicy");
  assert.equal(policy.metadata.namespace, "istio-system");
  assert.deepEqual(policy.spec, {
    selector: { matchLabels: { app: "edge" } },
    action: "CUSTOM",
    provider: { name: "gatewarden" },
    rules: [{}],
  });
  const entry = only(objects, "ServiceEntry");
  assert.deepEqual((entry.spec as any).hosts, ["gatewarden-tme.local"]);
  assert.deepEqual((entry.spec as any).endpoints, [{ address: "127.0.0.1" }]);
  assert.deepEqual((entry.spec as any).ports, [{ name: "grpc", number: 5441, protocol: "GRPC" }]);
  assert.equal((entry.spec as any).exportTo[0], ".");
  const named = only(await render({ values: [{ mode: "ext_authz", extAuthz: { providerName: "tme" } }] }), "AuthorizationPolicy");
  assert.equal((named.spec as any).provider.name, "tme");
});
