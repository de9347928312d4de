// /v1/apis: the inventory (list with filters, one endpoint, OpenAPI, diff
// against loaded specs), specs upload, and the mergeable state of replicas.
// Reading needs the admin token when TME_ADMIN_TOKEN is set; loading specs and merging state always do.
import { HttpError } from '../http/http-error.ts';
import { readJson } from '../http/read-body.ts';
import { sendJson } from '../http/respond.ts';
import type { Handler, Route } from '../http/router.ts';
import { OVERFLOW_TEMPLATE } from './endpoint.ts';
import type { Inventory } from './inventory.ts';
import { SENSITIVE_CLASSES } from './sensitive.ts';
import { SpecError, SpecIndex } from './specs.ts';
import { readState, stateOf, StateError } from './state.ts';
import { endpointDetail, endpointSummary, openApiDocument } from './views.ts';

export interface InventoryRouteOptions {
  inventory: Inventory;
  maxBodyBytes: number;
  /** Called after specs change so they are persisted at once. */
  changed(): void;
}

function flag(url: URL, name: string): boolean | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (raw !== 'true' && raw !== 'false') throw new HttpError(400, `${name}: expected true or false, got ${JSON.stringify(raw)}`);
  return raw === 'true';
}

export function inventoryRoutes({ inventory, maxBodyBytes, changed }: InventoryRouteOptions): Route[] {
  const settled =
    (handler: Handler): Handler =>
    async (req, res, url) => {
      await inventory.settle();
      await handler(req, res, url);
    };
  return [
    {
      method: 'GET',
      path: '/v1/apis',
      access: 'reader',
      handler: settled((_req, res, url) => {
        const host = url.searchParams.get('host');
        const method = url.searchParams.get('method')?.toUpperCase();
        const sensitive = url.searchParams.get('sensitive');
        if (sensitive !== null && !(SENSITIVE_CLASSES as readonly string[]).includes(sensitive)) {
          throw new HttpError(400, `sensitive: expected one of ${SENSITIVE_CLASSES.join(', ')}`);
        }
        const shadow = flag(url, 'shadow');
        const endpoints = inventory
          .endpoints()
          .filter((e) => host === null || e.host === host)
          .filter((e) => method === undefined || e.method === method)
          .filter((e) => sensitive === null || (e.sensitive[sensitive] ?? 0) > 0)
          .filter((e) => shadow === undefined || inventory.isShadow(e) === shadow)
          .sort((a, b) => a.host.localeCompare(b.host) || a.template.localeCompare(b.template) || a.method.localeCompare(b.method))
          .map((e) => endpointSummary(inventory, e));
        sendJson(res, 200, { endpoints, stats: inventory.stats, specsLoaded: inventory.specs.loaded });
      }),
    },
    {
      method: 'GET',
      path: '/v1/apis/openapi.json',
      access: 'reader',
      handler: settled((_req, res, url) => sendJson(res, 200, openApiDocument(inventory, url.searchParams.get('host') ?? undefined))),
    },
    {
      method: 'GET',
      path: '/v1/apis/diff',
      access: 'reader',
      handler: settled((_req, res) => {
        const endpoints = inventory.endpoints().filter((e) => e.template !== OVERFLOW_TEMPLATE);
        sendJson(res, 200, {
          specsLoaded: inventory.specs.loaded,
          shadow: endpoints.filter((e) => inventory.isShadow(e)).map((e) => endpointSummary(inventory, e)),
          unused: inventory
            .documented()
            .filter((d) => d.unused)
            .map((d) => ({ operation: d.operation, lastSeen: d.lastSeen === undefined ? null : new Date(d.lastSeen).toISOString() })),
          drift: endpoints
            .filter((e) => Object.keys(e.drift).length > 0)
            .map((e) => ({
              id: e.id,
              host: e.host,
              method: e.method,
              template: e.template,
              operation: inventory.operationOf(e),
              counts: e.drift,
              examples: e.driftExamples,
            })),
        });
      }),
    },
    {
      method: 'PUT',
      path: '/v1/apis/specs',
      access: 'admin',
      handler: settled(async (req, res) => {
        const body = await readJson(req, maxBodyBytes);
        const documents = Array.isArray(body) ? body : [body];
        try {
          inventory.setSpecs(documents.length === 0 ? SpecIndex.empty() : SpecIndex.load(documents));
        } catch (error) {
          if (error instanceof SpecError) throw new HttpError(400, error.message);
          throw error;
        }
        changed();
        sendJson(res, 200, { documents: documents.length, operations: inventory.specs.operations.length });
      }),
    },
    {
      method: 'GET',
      path: '/v1/apis/state',
      access: 'reader',
      handler: settled((_req, res) => sendJson(res, 200, stateOf(inventory, false))),
    },
    {
      method: 'POST',
      path: '/v1/apis/merge',
      access: 'admin',
      handler: settled(async (req, res) => {
        try {
          const { endpoints } = readState(await readJson(req, maxBodyBytes));
          inventory.merge(endpoints);
          sendJson(res, 200, { merged: endpoints.length });
        } catch (error) {
          if (error instanceof StateError || error instanceof SpecError) throw new HttpError(400, error.message);
          throw error;
        }
      }),
    },
    {
      method: 'GET',
      path: '/v1/apis/*',
      access: 'reader',
      handler: settled((_req, res, url) => {
        const id = url.pathname.slice('/v1/apis/'.length);
        const endpoint = inventory.endpoint(id);
        if (endpoint === undefined) throw new HttpError(404, `no endpoint with id ${JSON.stringify(id.slice(0, 64))}`);
        sendJson(res, 200, endpointDetail(inventory, endpoint));
      }),
    },
  ];
}
