// The admin token check shared by the admin routes that a browser also uses:
// `Authorization: Bearer <token>`, or the dashboard's session cookie (an HMAC
// of the token, so the token itself never sits in the browser). With no token
// configured the check passes: these routes are then as open as /v1/captures.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

export const SESSION_COOKIE = 'gatewarden_session';

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie value that stands for `token` in a browser. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('gatewarden dashboard session').digest('base64url');
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function isAdmin(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return tokenMatches(bearer, token);
  const session = cookie(req, SESSION_COOKIE);
  return session !== undefined && tokenMatches(session, sessionValue(token));
}

export function requireAdminOrSession(req: IncomingMessage, token: string | undefined): void {
  if (!isAdmin(req, token)) throw new HttpError(401, 'authorization: a valid bearer token is required', { 'www-authenticate': 'Bearer' });
}
