// The floor variant's module (bench/floor/floor-filter.ts), built with the same AssemblyScript options as
// the filter whenever the benchmark runs: seconds, and never stale.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../host/devstack/paths.ts";

export const FLOOR_WASM_PATH = join(ROOT, "build", "bench-floor.wasm");

export function buildFloorWasm(): string {
  const asc = join(ROOT, "node_modules", "assemblyscript", "bin", "asc.js");
  execFileSync(process.execPath, [asc, "--config", join(ROOT, "bench", "floor", "asconfig.json"), "--target", "release"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return FLOOR_WASM_PATH;
}
