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
// The engine (policy validation, detection) is the filter's code compiled by `npm run build:engine`.
const engineWasm = join(root, 'build', 'gatewarden-engine.wasm');
if (join(outdir, 'gatewarden-engine.wasm') !== engineWasm) await cp(engineWasm, join(outdir, 'gatewarden-engine.wasm'));
console.log(`built ${join(outdir, 'tme-server.mjs')}`);
