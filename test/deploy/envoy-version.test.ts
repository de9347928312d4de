// The tests run the Envoy they say they do: ENVOY_VERSION (or the default of
// host/devstack/envoy-versions.json) selects the binary setup installed into .cache/envoy/<version>.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, envoyBinary, envoyVersion } from "../../host/devstack/paths.ts";

test("the Envoy binary is the selected version, and the default is the newest of the matrix", {
  skip: process.env.ENVOY_BIN ? "ENVOY_BIN names the binary" : false,
}, () => {
  const out = execFileSync(envoyBinary(), ["--version"], { encoding: "utf8" });
  const version = envoyVersion().replace(/\.post\d+$/, "");
  assert.match(out, new RegExp(`/${version.replaceAll(".", "\\.")}/`), out);
  const versions = JSON.parse(readFileSync(join(ROOT, "host", "devstack", "envoy-versions.json"), "utf8")) as {
    default: string;
    matrix: Record<string, string>;
  };
  const newest = Object.keys(versions.matrix).sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0];
  assert.equal(versions.default, newest);
  for (const v of Object.keys(versions.matrix)) {
    const [major, minor] = v.split(".").map(Number) as [number, number];
    assert.ok(major > 1 || minor >= 35, `${v}: the filter needs Envoy ≥ 1.35 (allow_on_headers_stop_iteration)`);
  }
});
