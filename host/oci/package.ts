// `npm run package:oci`: packs build/gatewarden.wasm as an OCI image Istio can pull (see image.ts).
//   --wasm FILE   the module (default build/gatewarden.wasm)
//   --out DIR     where to write (default build/oci): DIR/gatewarden (layout) and DIR/gatewarden.tar
//   --tag TAG     the image's ref name in index.json (default: the package version)
// Prints the manifest digest and the module's sha256.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT, WASM_PATH } from "../devstack/paths.ts";
import { buildWasmImage, writeLayout } from "./image.ts";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (!v || v.startsWith("--")) throw new Error(`--${name}: missing value`);
  return v;
}

const wasmPath = resolve(flag("wasm", WASM_PATH));
const outDir = resolve(flag("out", join(ROOT, "build", "oci")));
const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const tag = flag("tag", version);
if (!existsSync(wasmPath)) {
  console.error(`package:oci: ${wasmPath} not found; run \`npm run build:filter\` first`);
  process.exit(1);
}
const module = readFileSync(wasmPath);
if (module.subarray(0, 4).toString("hex") !== "0061736d") {
  console.error(`package:oci: ${wasmPath} is not a WebAssembly module`);
  process.exit(1);
}
const image = buildWasmImage(module, tag);
mkdirSync(outDir, { recursive: true });
const layoutDir = join(outDir, "gatewarden");
const tarball = join(outDir, "gatewarden.tar");
writeLayout(image, layoutDir, tarball);
const summary = { tag, manifestDigest: image.manifestDigest, moduleSha256: image.moduleSha256, layout: layoutDir, archive: tarball };
writeFileSync(join(outDir, "gatewarden.json"), JSON.stringify(summary, null, 2) + "\n");
const rel = (p: string) => relative(process.cwd(), p) || ".";
console.log(`OCI image layout: ${rel(layoutDir)} (archive ${rel(tarball)}), tag ${tag}`);
console.log(`manifest digest:  ${image.manifestDigest}`);
console.log(`module sha256:    ${image.moduleSha256}`);
