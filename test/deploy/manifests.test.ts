// The plain manifest bundle in deploy/manifests is what the chart renders today (byte for byte), and every
// object in it is valid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { renderAll } from "../../host/chart-tools/bundle.ts";
import { MANIFESTS_DIR, parseObjects } from "../../host/chart-tools/helm.ts";
import { INJECT_ANNOTATION } from "../../host/webhook/inject.ts";
import { parse } from "yaml";
import { validateObject } from "./helpers.ts";

test("deploy/manifests is up to date with the chart (run `npm run deploy:render` after changing it)", async () => {
  const files = await renderAll();
  const yamlOnDisk = readdirSync(MANIFESTS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  assert.deepEqual(yamlOnDisk, [...files.keys()].sort(), "deploy/manifests has files the renderer does not write, or misses some");
  for (const [name, text] of files) {
    assert.equal(readFileSync(join(MANIFESTS_DIR, name), "utf8"), text, `deploy/manifests/${name} is stale: run \`npm run deploy:render\``);
  }
});

test("every object of the bundles is valid, and the bundles carry no private key", async () => {
  for (const file of ["gatewarden-wasm.yaml", "gatewarden-ext-proc.yaml"]) {
    const text = readFileSync(join(MANIFESTS_DIR, file), "utf8");
    const objects = parseObjects(text);
    assert.ok(objects.length >= 8, `${file}: ${objects.length} objects`);
    for (const o of objects) validateObject(o);
    assert.ok(!/PRIVATE KEY|tls\.key:/.test(text), `${file} must not ship a key`);
    assert.ok(objects.some((o) => o.kind === "Namespace" && o.metadata.name === "gatewarden-system"));
  }
});

test("the gateway patch asks for the TME and keeps the filter's stats", () => {
  const patch = parse(readFileSync(join(MANIFESTS_DIR, "gateway-patch.yaml"), "utf8"));
  const annotations = patch.spec.template.metadata.annotations;
  assert.equal(annotations[INJECT_ANNOTATION], "true");
  const proxyConfig = parse(annotations["proxy.istio.io/config"]);
  assert.deepEqual(proxyConfig, { proxyStatsMatcher: { inclusionPrefixes: ["wasmcustom.gatewarden_"] } });
});
