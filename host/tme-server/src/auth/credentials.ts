// Who may call which route. The filter presents the agent token (TME_AGENT_TOKEN) in a header of its
// own on reports, checks and polls; people and tools present the admin token (TME_ADMIN_TOKEN) as a
// bearer token to read captures and to change policy and deny list. Tokens are compared as SHA-256
// digests with timingSafeEqual: equal lengths whatever was sent, and no early exit on a mismatch.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/http-error.ts';
import { hasSession } from './session.ts';

/**
 * open: anyone (liveness, metrics). agent: the agent token when one is set. reader: the admin token
 * when one is set. admin: the admin token, and refused outright when none is set.
 */
export type Access = 'open' | 'agent' | 'reader' | 'admin';

export interface CredentialSettings {
  agentToken: string | undefined;
  agentTokenHeader: string;
  adminToken: string | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : '';
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Whether an agent token is configured and the request presents it (not the admin token: only the filter states framing). */
export function presentsAgentToken(settings: CredentialSettings, req: IncomingMessage): boolean {
  const { agentToken, agentTokenHeader } = settings;
  return agentToken !== undefined && tokenMatches(headerText(req.headers[agentTokenHeader]), agentToken);
}

/** Checks a request against a route's access; throws the 401/403 to answer, after `refused` counted it. */
export function credentialCheck(settings: CredentialSettings, refused: (path: string) => void) {
  const unauthorized = (path: string, message: string, headers: Record<string, string> = {}): HttpError => {
    refused(path);
    return new HttpError(401, message, headers);
  };
  // A browser signed in to the dashboard carries a session cookie instead of the bearer token.
  const isAdmin = (req: IncomingMessage, adminToken: string): boolean =>
    tokenMatches(bearer(req), adminToken) || hasSession(req, adminToken);
  return (req: IncomingMessage, access: Access, path: string): void => {
    if (access === 'open') return;
    const { adminToken } = settings;
    if (access === 'agent') {
      const { agentToken, agentTokenHeader } = settings;
      // Whoever holds the admin token may also do what the filter does (the dashboard shows the policy).
      if (
        agentToken !== undefined &&
        !tokenMatches(headerText(req.headers[agentTokenHeader]), agentToken) &&
        !(adminToken !== undefined && isAdmin(req, adminToken))
      ) {
        throw unauthorized(path, `${agentTokenHeader}: the agent token is required`);
      }
      return;
    }
    if (adminToken === undefined) {
      if (access === 'admin') throw new HttpError(403, 'admin API disabled: set TME_ADMIN_TOKEN to enable it');
      return;
    }
    if (!isAdmin(req, adminToken)) {
      throw unauthorized(path, 'authorization: a valid bearer token is required', { 'www-authenticate': 'Bearer' });
    }
  };
}

export type CredentialCheck = ReturnType<typeof credentialCheck>;
