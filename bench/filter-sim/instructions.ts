// Instructions per exchange of the filter in the simulated host (bench/filter-sim/host.ts), counted
// by valgrind's callgrind: the same figure whatever else the machine is doing, so two builds can be
// compared on a shared 2-core box. V8 compiles the module with TurboFan up front (--no-liftoff), and
// the difference of two run lengths cancels start-up and compilation.
//   npm run bench:filter-sim -- [--wasm build/gatewarden.wasm] [--variant wasm-policy | --config '{...}']
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { WASM_PATH } from "../../host/devstack/paths.ts";
import { VARIANTS, variantSpecs, type VariantName } from "../lib/variants.ts";

const { values } = parseArgs({ options: { wasm: { type: "string", default: WASM_PATH }, config: { type: "string", default: "" }, variant: { type: "string" } } });
if (values.variant) {
  // A Wasm variant of `npm run bench`, with its plugin configuration (no policy polling: no TME here).
  const spec = variantSpecs()[values.variant as VariantName];
  if (spec?.kind !== "wasm") throw new Error(`--variant: one of ${VARIANTS.filter((v) => variantSpecs()[v].kind === "wasm").join(", ")}`);
  values.config = JSON.stringify({ ...spec.pluginConfig, enforcement: { refreshInterval: 0 } });
}
const host = fileURLToPath(new URL("./host.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "gatewarden-callgrind-"));

function collected(requests: number): number {
  const run = spawnSync("valgrind", [
    "--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${join(dir, "out")}`,
    process.execPath, "--import", "tsx", "--no-liftoff", host, values.wasm!, String(requests), values.config!,
  ], { encoding: "utf8" });
  const m = /Collected : (\d+)/.exec(run.stderr ?? "");
  if (run.status !== 0 || !m) throw new Error(`valgrind run failed (status ${run.status}): ${(run.stderr ?? String(run.error)).slice(-2000)}`);
  return Number(m[1]);
}

try {
  const short = 2000;
  const long = 6000;
  const perExchange = (collected(long) - collected(short)) / (long - short);
  console.log(`filter-sim: ${Math.round(perExchange).toLocaleString("en")} instructions per exchange (${values.wasm}), host simulation included`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
