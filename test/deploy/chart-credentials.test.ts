// Credentials in the chart: the agent token reaches the filter (pluginConfig) and the TME (a Secret), the
// admin token reaches the TME from a Secret (given, existing, or generated), never from a ConfigMap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInjectionConfig } from "../../host/webhook/config.ts";
import { all, only, render, validateObject, wasmSpec } from "./helpers.ts";
import { HelmError, helmTemplate } from "../../host/chart-tools/helm.ts";
import type { K8sObject } from "../../host/chart-tools/helm.ts";

const secretData = (o: K8sObject): Record<string, string> =>
  Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
const injection = (objects: K8sObject[]) =>
  parseInjectionConfig(JSON.parse((only(objects, "ConfigMap", "gatewarden-tme-injector").data as any)["injection.json"]));

test("agentToken: in the WasmPlugin's pluginConfig with its header, and in the TME's Secret", async () => {
  const objects = await render({ values: [{ agentToken: "agent-s3cret-token" }] });
  for (const o of objects) validateObject(o);
  const pc = wasmSpec(objects).pluginConfig;
  assert.equal(pc.agentToken, "agent-s3cret-token");
  assert.equal(pc.agentTokenHeader, "x-gatewarden-agent-token");
  assert.equal(secretData(only(objects, "Secret", "gatewarden-tme")).agentToken, "agent-s3cret-token");
  assert.ok(!JSON.stringify(all(objects, "ConfigMap")).includes("agent-s3cret-token"));

  const header = wasmSpec(await render({ values: [{ agentToken: "t", agentTokenHeader: "x-agent" }] })).pluginConfig;
  assert.equal(header.agentTokenHeader, "x-agent");
  const none = wasmSpec(await render()).pluginConfig;
  assert.equal(none.agentToken, undefined, "no token, no key");
  assert.equal(none.agentTokenHeader, undefined);
  const extProc = await render({ values: [{ mode: "ext_proc", agentToken: "agent-s3cret-token" }] });
  assert.ok(!JSON.stringify(all(extProc, "EnvoyFilter")).includes("agent-s3cret-token"), "Envoy needs no agent token in ext_proc mode");
  assert.equal(secretData(only(extProc, "Secret", "gatewarden-tme")).agentToken, "agent-s3cret-token");
});

test("adminToken: given, it is the Secret's; the injected TME reads TME_ADMIN_TOKEN from that Secret", async () => {
  const objects = await render({ values: [{ adminToken: "admin-token-0123456789abcdef" }] });
  for (const o of objects) validateObject(o);
  assert.equal(secretData(only(objects, "Secret", "gatewarden-tme")).adminToken, "admin-token-0123456789abcdef");
  assert.ok(!JSON.stringify(all(objects, "ConfigMap")).includes("admin-token-0123456789abcdef"));
  assert.equal((only(objects, "ConfigMap", "gatewarden-tme").data as any).TME_ADMIN_TOKEN, undefined);
  assert.equal(injection(objects).adminSecretName, "gatewarden-tme");
});

test("adminToken: generated (32 characters) when not given; each render of a new install gets its own", async () => {
  const a = secretData(only(await render(), "Secret", "gatewarden-tme")).adminToken!;
  const b = secretData(only(await render(), "Secret", "gatewarden-tme")).adminToken!;
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, b);
  // The same token in every namespace of one install.
  const multi = all(await render({ values: [{ tme: { namespaces: ["a", "b"] } }] }), "Secret").filter(
    (s) => s.metadata.name === "gatewarden-tme",
  );
  assert.equal(multi.length, 2);
  assert.equal(secretData(multi[0]!).adminToken, secretData(multi[1]!).adminToken);
});

test("adminTokenSecret: an existing Secret is used, none is generated", async () => {
  const objects = await render({ values: [{ adminTokenSecret: "my-admin" }] });
  assert.equal(
    all(objects, "Secret").filter((s) => s.metadata.name === "gatewarden-tme").length,
    0,
    "no agent token, no admin token to store",
  );
  assert.equal(injection(objects).adminSecretName, "my-admin");
  await assert.rejects(
    helmTemplate({ values: [{ adminToken: "short" }] }),
    (e: unknown) => e instanceof HelmError && /adminToken/.test(e.stderr),
  );
});
