// Bundles the TME into one ESM file, build/tme-server.mjs, that runs with
// plain `node` and no node_modules. Usage: node host/tme-server/build.mjs [--outdir DIR]
import { cp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = resolve(outdirFlag >= 0 ? process.argv[outdirFlag + 1] : join(root, 'build'));
const require = createRequire(import.meta.url);

// Several dependencies are CommonJS and call require() on Node built-ins or use
// __dirname; an ESM bundle has neither, so the bundle defines them first.
const banner = [
  "import { createRequire as __tmeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __tmeFileURLToPath } from 'node:url';",
  "import { dirname as __tmeDirname } from 'node:path';",
  'const require = __tmeCreateRequire(import.meta.url);',
  'const __filename = __tmeFileURLToPath(import.meta.url);',
  'const __dirname = __tmeDirname(__filename);',
].join('\n');

// grpc-health-check loads health.proto at runtime from `${__dirname}/../../proto`.
// In the bundle __dirname is the output directory, so point it at a copy there.
const healthProtoDir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
const healthProtoPlugin = {
  name: 'grpc-health-check-proto',
  setup(esbuild) {
    esbuild.onLoad({ filter: /grpc-health-check[\\/]build[\\/]src[\\/]health\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      const patched = source.replace('`${__dirname}/../../proto`', '`${__dirname}/tme-server-protos`');
      if (patched === source) throw new Error('grpc-health-check: proto path not found; update build.mjs for this version');
      return { contents: patched, loader: 'js' };
    });
  },
};

// Envoy's ext_proc and ext_authz protos (src/grpc/envoy-protos.ts): the two service files and what they
// import, transitively, copied from @grpc/grpc-js-xds's four proto roots into one tree beside the bundle.
const xdsDeps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const protoRoots = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(xdsDeps, d));
async function copyProtoClosure(entries, dest) {
  const { readFile, mkdir, copyFile } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  const seen = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop();
    // protobufjs carries the well-known types (google/protobuf/*.proto) itself.
    if (seen.has(file) || file.startsWith('google/protobuf/')) continue;
    seen.add(file);
    const root = protoRoots.find((r) => existsSync(join(r, file)));
    if (root === undefined) throw new Error(`proto ${file} not found under ${protoRoots.join(', ')}`);
    const text = await readFile(join(root, file), 'utf8');
    for (const m of text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) queue.push(m[1]);
    await mkdir(dirname(join(dest, file)), { recursive: true });
    await copyFile(join(root, file), join(dest, file));
  }
  return seen.size;
}

await build({
  entryPoints: [join(root, 'host/tme-server/src/main.ts')],
  outfile: join(outdir, 'tme-server.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  banner: { js: banner },
  plugins: [healthProtoPlugin],
  logLevel: 'warning',
});
await cp(healthProtoDir, join(outdir, 'tme-server-protos'), { recursive: true });
const { rm } = await import('node:fs/promises');
await rm(join(outdir, 'tme-server-protos', 'envoy'), { recursive: true, force: true });
await copyProtoClosure(
  ['envoy/service/ext_proc/v3/external_processor.proto', 'envoy/service/auth/v3/external_auth.proto'],
  join(outdir, 'tme-server-protos', 'envoy'),
);
// The engine (policy validation, detection) is the filter's code compiled by `npm run build:engine`.
const engineWasm = join(root, 'build', 'gatewarden-engine.wasm');
if (join(outdir, 'gatewarden-engine.wasm') !== engineWasm) await cp(engineWasm, join(outdir, 'gatewarden-engine.wasm'));
console.log(`built ${join(outdir, 'tme-server.mjs')}`);
