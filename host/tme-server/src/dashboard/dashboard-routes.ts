// The dashboard at /ui: the built Preact app (build/ui, beside the TME bundle), behind the admin
// token when one is set. A browser signs in once, with a form or ?token=, and gets an HttpOnly
// session cookie that the dashboard's own API calls then carry.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenMatches } from '../auth/credentials.ts';
import { isAdmin, SESSION_COOKIE, sessionValue } from '../auth/session.ts';
import { HttpError } from '../http/http-error.ts';
import type { InflightBodies } from '../http/inflight-bodies.ts';
import type { Route } from '../http/router.ts';

/** Where `npm run build:ui` puts the app: build/ui next to build/tme-server.mjs. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

// Only these files are served: no path from the request ever reaches the file system.
const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json',
  'app.css': 'text/css; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function loginPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gatewarden — sign in</title></head>
<body style="font:14px system-ui,sans-serif;max-width:360px;margin:80px auto">
<h1 style="font-size:18px">Gatewarden dashboard</h1><p>${message}</p>
<form method="post" action="/ui/login"><input type="password" name="token" placeholder="admin token" autofocus style="width:100%;padding:6px">
<button type="submit" style="margin-top:8px;padding:6px 14px">Sign in</button></form></body></html>`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...headers });
  res.end(body);
}

function signIn(res: ServerResponse, token: string): void {
  res.writeHead(303, {
    location: '/ui',
    'set-cookie': `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/`,
    ...SECURITY_HEADERS,
  });
  res.end();
}

async function readAsset(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch {
    throw new HttpError(503, 'dashboard not built: run npm run build:ui');
  }
}

export function dashboardRoutes(adminToken: string | undefined, bodies: InflightBodies, uiDir = DEFAULT_UI_DIR): Route[] {
  return [
    {
      method: 'GET',
      path: '/ui',
      access: 'open',
      handler: async (req, res, url) => {
        const given = url.searchParams.get('token');
        if (adminToken !== undefined && given !== null) {
          if (tokenMatches(given, adminToken)) return signIn(res, adminToken);
          return send(res, 401, 'text/html; charset=utf-8', loginPage('That token is not valid.'));
        }
        if (!isAdmin(req, adminToken)) return send(res, 401, 'text/html; charset=utf-8', loginPage('Sign in with the TME admin token.'));
        send(res, 200, 'text/html; charset=utf-8', await readAsset(uiDir, 'index.html'));
      },
    },
    {
      method: 'POST',
      path: '/ui/login',
      access: 'open',
      handler: async (req, res) => {
        if (adminToken === undefined) {
          res.writeHead(303, { location: '/ui' });
          res.end();
          return;
        }
        const token = new URLSearchParams((await bodies.read(req, res, 4096)).toString('utf8')).get('token') ?? '';
        if (tokenMatches(token, adminToken)) return signIn(res, adminToken);
        send(res, 401, 'text/html; charset=utf-8', loginPage('That token is not valid.'));
      },
    },
    {
      method: 'GET',
      path: '/ui/*',
      access: 'open',
      handler: async (req, res, url) => {
        const name = url.pathname.slice('/ui/'.length);
        const type = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : undefined;
        if (type === undefined) throw new HttpError(404, `no dashboard file ${JSON.stringify(name.slice(0, 64))}`);
        if (!isAdmin(req, adminToken)) throw new HttpError(401, 'sign in at /ui first');
        send(res, 200, type, await readAsset(uiDir, name));
      },
    },
  ];
}
