import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WASM_PATH = join(ROOT, "build", "gatewarden.wasm");
export const TME_BUNDLE = join(ROOT, "build", "tme-server.mjs");
export const ENVOY_DIR = join(ROOT, "envoy");

/** The Envoy binary: ENVOY_BIN, or the one setup installed into .venv. */
export function envoyBinary(): string {
  return process.env.ENVOY_BIN || join(ROOT, ".venv", "bin", "envoy");
}
