// Dispatches requests to routes by exact path (or, for a path ending in "/*",
// by prefix when no exact path matches) and method, checks the route's
// credentials before its handler runs, and gives every failure a JSON answer:
// 404 for an unknown path, 405 (with Allow) for a known path with the wrong
// method, 401/403 for missing credentials, the status of an HttpError, or 500.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Access, CredentialCheck } from '../auth/credentials.ts';
import { HttpError } from './http-error.ts';
import { sendJson } from './respond.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  access: Access;
  handler: Handler;
}

function sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) {
    sendJson(res, error.status, { error: error.message }, error.headers);
    // Discard an unread body so the client can read the answer before the connection closes.
    if (!req.readableEnded) req.resume();
    return;
  }
  console.error('tme: request failed:', error);
  sendJson(res, 500, { error: 'internal error' });
}

export function createRouter(routes: readonly Route[], checkCredentials: CredentialCheck): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://tme.invalid');
    let candidates = routes.filter((route) => route.path === url.pathname);
    if (candidates.length === 0)
      candidates = routes.filter((route) => route.path.endsWith('/*') && url.pathname.startsWith(route.path.slice(0, -1)));
    if (candidates.length === 0) {
      sendError(req, res, new HttpError(404, `no route for ${url.pathname}`));
      return;
    }
    const route = candidates.find((candidate) => candidate.method === req.method);
    if (route === undefined) {
      const allow = candidates.map((candidate) => candidate.method).join(', ');
      sendError(req, res, new HttpError(405, `${req.method} not allowed on ${url.pathname}; use ${allow}`, { allow }));
      return;
    }
    Promise.resolve()
      .then(() => {
        checkCredentials(req, route.access, route.path);
        return route.handler(req, res, url);
      })
      .catch((error: unknown) => sendError(req, res, error));
  };
}
