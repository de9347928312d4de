// Liveness and Prometheus metrics.
import type { Registry } from 'prom-client';
import { sendJson } from '../respond.ts';
import type { Route } from '../router.ts';

export function adminRoutes(registry: Registry): Route[] {
  return [
    { method: 'GET', path: '/healthz', access: 'open', handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/metrics',
      access: 'open',
      handler: async (_req, res) => {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
    },
  ];
}
