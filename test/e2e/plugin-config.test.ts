// The plugin configuration as Envoy hands it over: refused with a reason when invalid, never a trap
// on an empty or a large one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack } from "../helpers/stack.ts";
import { EnvoyStartError } from "../../host/devstack/envoy.ts";

async function expectRefused(config: unknown, reason: RegExp): Promise<void> {
  await assert.rejects(CaptureStack.start({ pluginConfig: config, withoutTme: true }), (error: unknown) => {
    assert.ok(error instanceof EnvoyStartError, String(error));
    assert.match(error.output, reason);
    return true;
  });
}

test("an invalid configuration makes Envoy refuse the plugin, naming the key and the reason", async () => {
  await expectRefused({ bodyCaptureSize: -1 }, /invalid configuration: bodyCaptureSize: must be between 0 and 16777216/);
  await expectRefused({ allowedContentTypes: "json" }, /invalid configuration: allowedContentTypes: expected an array of strings/);
  await expectRefused("{not json", /invalid configuration: configuration is not valid JSON/);
});

test("an empty configuration runs with the defaults", async () => {
  const stack = await CaptureStack.start({ pluginConfig: "" });
  try {
    const { testId, response } = await stack.send("/empty", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 200);
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["gatewarden.service.name"], "istio");
    assert.equal(c.attributes["http.request.body"], "{}");
  } finally {
    await stack.stop();
  }
});

test("a configuration larger than 8 KiB is read whole", async () => {
  const types = ["json", ...Array.from({ length: 400 }, (_, i) => `application/vnd.example-${i}+xml`)];
  const config = { serviceName: "large-config", allowedContentTypes: types, report: { flushInterval: "50ms" } };
  assert.ok(JSON.stringify(config).length > 8192);
  const stack = await CaptureStack.start({ pluginConfig: config });
  try {
    const { testId } = await stack.send("/large", {
      method: "POST",
      headers: { "content-type": "application/vnd.example-399+xml" },
      body: "<a/>",
    });
    const c = await stack.captureOf(testId);
    assert.equal(c.attributes["gatewarden.service.name"], "large-config");
    assert.equal(c.attributes["http.request.body"], "<a/>");
  } finally {
    await stack.stop();
  }
});
