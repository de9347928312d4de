// Builds the dashboard (Preact, no CDN) into build/ui/: app.js, index.html, app.css.
// The TME serves that folder at /ui. Usage: node host/tme-server/ui/build.mjs [--outdir DIR]
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = resolve(outdirFlag >= 0 ? process.argv[outdirFlag + 1] : join(here, '../../../build/ui'));
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.tsx')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
});
await copyFile(join(here, 'src/index.html'), join(outdir, 'index.html'));
await copyFile(join(here, 'src/app.css'), join(outdir, 'app.css'));
console.log(`built ${outdir}`);
