// Builds the inventory from the configuration: pinned templates and specs
// read from their files, the snapshot replayed, periodic saving started.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { TmeConfig } from '../config.ts';
import type { Route } from '../http/router.ts';
import type { InventorySink } from '../ingest/capture-pipeline.ts';
import { Inventory } from './inventory.ts';
import { parseTemplateList } from './path-template.ts';
import { inventoryRoutes } from './routes.ts';
import { SnapshotFile } from './snapshot-file.ts';
import { SpecIndex } from './specs.ts';

export interface RunningInventory {
  /** The ingest hook; undefined when the inventory is off, so ingest derives nothing for it. */
  sink: InventorySink | undefined;
  routes: Route[];
  inventory: Inventory | undefined;
  stop(): Promise<void>;
}

export async function startInventory(config: TmeConfig): Promise<RunningInventory> {
  const options = config.inventory;
  if (!options.enabled) return { sink: undefined, routes: [], inventory: undefined, stop: async () => undefined };
  const templatesText = [options.templates, options.templatesFile === undefined ? '' : readFileSync(options.templatesFile, 'utf8')].join(
    '\n',
  );
  const inventory = new Inventory({
    pinned: parseTemplateList(templatesText),
    maxEndpointsPerHost: options.maxEndpointsPerHost,
    maxHosts: options.maxHosts,
    distinctThreshold: options.paramThreshold,
    unusedAfterMs: options.unusedAfterMs,
  });
  const snapshot = new SnapshotFile(options.stateFile, inventory, options.snapshotIntervalMs);
  await snapshot.load();
  // The file wins over a snapshot's specs: it is what the operator configured for this start.
  if (options.specsFile !== undefined) {
    const parsed: unknown = parseYaml(readFileSync(options.specsFile, 'utf8'));
    inventory.setSpecs(SpecIndex.load(Array.isArray(parsed) ? parsed : [parsed]));
  }
  snapshot.start();
  return {
    sink: inventory,
    routes: inventoryRoutes({ inventory, maxBodyBytes: config.maxBatchBytes, changed: () => void snapshot.save() }),
    inventory,
    stop: () => snapshot.stop(),
  };
}
