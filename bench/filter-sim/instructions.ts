// Instructions per exchange of the filter in the simulated host (bench/filter-sim/host.ts), counted
// by valgrind's callgrind: the same figure whatever else the machine is doing, so two builds can be
// compared on a shared 2-core box. V8 compiles the module with TurboFan up front (--no-liftoff), and
// the difference of two run lengths cancels start-up and compilation.
//
// Besides the total it prints the module's own work (bench/filter-sim/callgrind.ts: the Wasm code and
// the V8 helpers it calls, without the host's JavaScript), the top functions and the host calls per
// exchange. Function names come from a build with a name section (`asc --target names`), whose code
// is byte for byte that of the release build; it is rebuilt when missing or different.
//   npm run bench:filter-sim -- [--wasm build/gatewarden.wasm] [--variant wasm-policy | --config '{...}'] [--get] [--top 20]
//   npm run bench:filter-sim -- --all      # capture and capture + default policy, 1 KiB POST and GET
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { ROOT, WASM_PATH } from "../../host/devstack/paths.ts";
import { VARIANTS, variantSpecs, type VariantName } from "../lib/variants.ts";
import { FLOOR_WASM_PATH } from "../lib/floor.ts";
import { perExchange, readProfile } from "./callgrind.ts";

const { values } = parseArgs({
  options: {
    wasm: { type: "string", default: WASM_PATH },
    config: { type: "string", default: "" },
    variant: { type: "string" },
    get: { type: "boolean", default: false },
    all: { type: "boolean", default: false },
    top: { type: "string", default: "20" },
  },
});

function variantConfig(name: string): string {
  // A Wasm variant of `npm run bench`, with its plugin configuration (no policy polling: no TME here).
  const spec = variantSpecs()[name as VariantName];
  if (spec?.kind !== "wasm") throw new Error(`--variant: one of ${VARIANTS.filter((v) => variantSpecs()[v].kind === "wasm").join(", ")}`);
  return JSON.stringify({ ...spec.pluginConfig, enforcement: { refreshInterval: 0 } });
}

/** The sections of a Wasm binary other than custom ones (names, source maps): its code and data. */
function codeOf(path: string): Buffer {
  const b = readFileSync(path);
  const parts: Buffer[] = [];
  for (let o = 8; o < b.length; ) {
    const id = b[o++];
    let size = 0,
      shift = 0,
      byte: number;
    do {
      byte = b[o++];
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (id !== 0) parts.push(b.subarray(o - 1, o + size));
    o += size;
  }
  return Buffer.concat(parts);
}

/** Release builds that have a twin with a name section: the filter and the floor module. */
const NAMED_TWINS = new Map([
  [WASM_PATH, { named: join(ROOT, "build/gatewarden.names.wasm"), asc: ["filter/assembly/index.ts", "--target", "names"] }],
  [
    FLOOR_WASM_PATH,
    { named: join(ROOT, "build/bench-floor.names.wasm"), asc: ["--config", "bench/floor/asconfig.json", "--target", "names"] },
  ],
]);

/** The build to profile: with names when a release build is profiled and a named twin can be made. */
function namedTwin(wasm: string): string {
  const twin = NAMED_TWINS.get(wasm);
  if (twin === undefined) return wasm;
  const { named } = twin;
  if (!existsSync(named) || !codeOf(named).equals(codeOf(wasm))) {
    const run = spawnSync(process.execPath, [join(ROOT, "node_modules/assemblyscript/bin/asc.js"), ...twin.asc], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`asc --target names failed: ${run.stderr}`);
    // Same sources, same compiler: the code must match, or the names would describe another module.
    if (!codeOf(named).equals(codeOf(wasm))) throw new Error(`${named} differs from ${wasm}: rebuild the release`);
  }
  return named;
}

const dir = mkdtempSync(join(tmpdir(), "gatewarden-callgrind-"));
// The host bundled to plain JavaScript: valgrind then spends no time in the TypeScript loader.
const hostJs = join(dir, "host.mjs");
await build({
  entryPoints: [fileURLToPath(new URL("./host.ts", import.meta.url))],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: hostJs,
  logLevel: "error",
});

function profiled(wasm: string, config: string, get: boolean, requests: number) {
  const out = join(dir, `callgrind.${requests}`);
  const run = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      "--smc-check=all-non-file",
      "--dump-instr=yes",
      "--dump-line=no",
      `--callgrind-out-file=${out}`,
      process.execPath,
      "--no-liftoff",
      "--perf-basic-prof",
      hostJs,
      wasm,
      String(requests),
      config,
      get ? "get" : "post",
    ],
    { encoding: "utf8", cwd: dir },
  );
  const pid = /==(\d+)== Collected/.exec(run.stderr ?? "")?.[1];
  if (run.status !== 0 || !pid)
    throw new Error(`valgrind run failed (status ${run.status}): ${(run.stderr ?? String(run.error)).slice(-2000)}`);
  const perfMap = `/tmp/perf-${pid}.map`;
  try {
    return readProfile(out, perfMap);
  } finally {
    rmSync(perfMap, { force: true });
    rmSync(out, { force: true });
  }
}

function hostCalls(wasm: string, config: string, get: boolean): Record<string, number> {
  const run = spawnSync(process.execPath, [hostJs, wasm, "2000", config, get ? "get" : "post"], {
    encoding: "utf8",
    env: { ...process.env, GATEWARDEN_SIM_COUNT_CALLS: "1" },
  });
  if (run.status !== 0) throw new Error(`host call count failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, number>;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en");
const top = (m: Map<string, number>, n: number) =>
  [...m]
    .filter(([, v]) => Math.round(v) > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

function measure(label: string, wasm: string, config: string, get: boolean): void {
  const short = 2000;
  const long = 6000;
  const r = perExchange(profiled(wasm, config, get, short), profiled(wasm, config, get, long), long - short);
  const calls = hostCalls(wasm, config, get);
  console.log(`\n## ${label}`);
  console.log(`filter-sim: ${fmt(r.total)} instructions per exchange (${wasm}), host simulation included`);
  console.log(`module: ${fmt(r.module)} instructions per exchange`);
  const n = Number(values.top);
  console.log(`\n| Wasm function (self) | instructions per exchange |\n| --- | ---: |`);
  for (const [name, v] of top(r.wasmSelf, n)) console.log(`| \`${name}\` | ${fmt(v)} |`);
  console.log(`\n| V8 helper called by the module | instructions per exchange |\n| --- | ---: |`);
  for (const [name, v] of top(r.helpers, 8)) console.log(`| \`${name}\` | ${fmt(v)} |`);
  console.log(`\n| host call | calls per exchange | its JavaScript, inclusive, instructions per exchange |\n| --- | ---: | ---: |`);
  for (const [name, count] of Object.entries(calls).sort((a, b) => b[1] - a[1])) {
    console.log(`| \`${name}\` | ${count.toFixed(2)} | ${fmt(r.imports.get(name) ?? 0)} |`);
  }
  const inImports = [...r.imports.values()].reduce((a, b) => a + b, 0);
  // The import functions call back into the module (malloc for each buffer they hand over), which the
  // module's figure already counts: their inclusive cost overlaps it.
  console.log(
    `\nhost: ${fmt(r.total - r.module)} instructions per exchange (driver loop, JS/Wasm transitions, import functions; the imports' inclusive ${fmt(inImports)} includes the module's malloc they call)`,
  );
}

try {
  // valgrind runs in a scratch directory: a path relative to here must be made absolute.
  const wasm = namedTwin(resolve(values.wasm!));
  if (values.all) {
    for (const variant of ["wasm-capture", "wasm-policy"]) {
      for (const get of [false, true]) measure(`${variant}, ${get ? "GET" : "1 KiB JSON POST"}`, wasm, variantConfig(variant), get);
    }
  } else {
    const config = values.variant ? variantConfig(values.variant) : values.config!;
    measure(
      `${values.variant ?? "capture (host.ts default configuration)"}, ${values.get ? "GET" : "1 KiB JSON POST"}`,
      wasm,
      config,
      values.get!,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
