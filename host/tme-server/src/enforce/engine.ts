// Loads the host-independent engine (build/gatewarden-engine.wasm): the filter's own AssemblyScript
// policy and detection code, so the TME validates and decides exactly as the filter does.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DetectionEngine } from '../../../../filter/node/engine.ts';

const here = dirname(fileURLToPath(import.meta.url));

function wasmPath(): string {
  const candidates = [
    process.env['TME_ENGINE_WASM'],
    join(here, 'gatewarden-engine.wasm'), // beside the bundle
    join(here, '../../../../build/gatewarden-engine.wasm'), // running from source
  ].filter((p): p is string => p !== undefined && p !== '');
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(`engine: gatewarden-engine.wasm not found (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

export function loadEngine(): DetectionEngine {
  return DetectionEngine.load(wasmPath());
}
