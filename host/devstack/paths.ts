import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WASM_PATH = join(ROOT, "build", "gatewarden.wasm");
export const TME_BUNDLE = join(ROOT, "build", "tme-server.mjs");
export const ENVOY_DIR = join(ROOT, "envoy");

/** The Envoy version the tests run: ENVOY_VERSION, or the default of host/devstack/envoy-versions.json. */
export function envoyVersion(): string {
  const versions = JSON.parse(readFileSync(join(ROOT, "host", "devstack", "envoy-versions.json"), "utf8")) as { default: string };
  return process.env.ENVOY_VERSION || versions.default;
}

/** The Envoy binary: ENVOY_BIN, or the one setup installed into .cache/envoy/<version>. */
export function envoyBinary(): string {
  return process.env.ENVOY_BIN || join(ROOT, ".cache", "envoy", envoyVersion(), "bin", "envoy");
}
