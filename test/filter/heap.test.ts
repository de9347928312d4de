// One worker's Wasm heap under the soak's traffic with the TME up (host/proxy-wasm/traffic.ts: the
// compiled build/gatewarden.wasm in the in-process host, 4 KiB JSON POSTs at 2,000 per second, every
// report answered 100 ms after it went out): the report queue in flight (≈ 2.5 MiB of records) must not
// push the linear memory past 8 MiB. `npm run soak` checks the same in Envoy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSoakTraffic } from "../../host/proxy-wasm/traffic.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";

test("the Wasm heap stays within 8 MiB while reports are in flight", () => {
  const exchanges = 10_000;
  const result = runSoakTraffic({
    wasm: WASM_PATH,
    configuration: { report: { flushInterval: "200ms" } },
    exchanges,
    rate: 2000,
    latencyMs: 100,
  });
  assert.equal(result.dropped, 0n);
  assert.ok(result.reported >= BigInt(exchanges - 256), `reported ${result.reported} of ${exchanges}`);
  assert.ok(result.memoryBytes <= 8 * 2 ** 20, `linear memory ${result.memoryBytes / 2 ** 20} MiB`);
});
