// Bundles the injection webhook into one ESM file, build/webhook.mjs, that runs with plain `node`.
// Usage: node host/webhook/build.mjs [--outdir DIR]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const outdirFlag = process.argv.indexOf("--outdir");
const outdir = resolve(outdirFlag >= 0 ? process.argv[outdirFlag + 1] : join(root, "build"));

await build({
  entryPoints: [join(root, "host/webhook/main.ts")],
  outfile: join(outdir, "webhook.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
});
console.log(`built ${join(outdir, "webhook.mjs")}`);
