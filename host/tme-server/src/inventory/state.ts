// The inventory's state as one JSON document: the snapshot on disk and what
// GET /v1/apis/state hands another replica. Reading it back goes through the
// same bounded restore as a merge, so a snapshot is just a merge into an
// empty inventory.
import { endpointToJson, restoreEndpoint, type Endpoint } from './endpoint.ts';
import type { Inventory } from './inventory.ts';
import { SpecIndex } from './specs.ts';

export const STATE_VERSION = 1;

export interface StateDocument {
  version: number;
  savedAt: string;
  endpoints: Record<string, unknown>[];
  specs?: { loadedAt: string; documents: unknown[] };
}

export function stateOf(inventory: Inventory, withSpecs: boolean): StateDocument {
  const specs = inventory.specs;
  return {
    version: STATE_VERSION,
    savedAt: new Date().toISOString(),
    endpoints: inventory.endpoints().map(endpointToJson),
    ...(withSpecs && specs.loaded ? { specs: { loadedAt: new Date(specs.loadedAt).toISOString(), documents: [...specs.documents] } } : {}),
  };
}

export class StateError extends Error {}

/** The endpoints (and specs, if any) of a state document; throws StateError when it is not one. */
export function readState(raw: unknown): { endpoints: Endpoint[]; specs: SpecIndex | undefined } {
  if (raw === null || typeof raw !== 'object') throw new StateError('expected an inventory state object');
  const doc = raw as Partial<StateDocument>;
  if (doc.version !== STATE_VERSION) throw new StateError(`expected "version": ${STATE_VERSION}`);
  if (!Array.isArray(doc.endpoints)) throw new StateError('expected "endpoints" to be an array');
  const endpoints = doc.endpoints.map(restoreEndpoint).filter((e): e is Endpoint => e !== undefined);
  let specs: SpecIndex | undefined;
  if (doc.specs !== undefined && Array.isArray(doc.specs.documents)) {
    specs = SpecIndex.load(doc.specs.documents, Date.parse(doc.specs.loadedAt ?? '') || Date.now());
  }
  return { endpoints, specs };
}
