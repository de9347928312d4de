// The dashboard's browser session: once signed in with the admin token, a browser carries an HttpOnly
// cookie holding an HMAC of the token (the token itself never sits in the browser), which the TME then
// accepts wherever it accepts the admin bearer token.
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokenMatches } from './credentials.ts';

export const SESSION_COOKIE = 'gatewarden_session';

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

/** True when the request carries a session cookie for `token`. */
export function hasSession(req: IncomingMessage, token: string): boolean {
  const session = cookie(req, SESSION_COOKIE);
  return session !== undefined && tokenMatches(session, sessionValue(token));
}

/** The admin bearer token or a dashboard session; true when no admin token is configured. */
export function isAdmin(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return tokenMatches(bearer, token);
  return hasSession(req, token);
}
