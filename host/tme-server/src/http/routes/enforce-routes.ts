// What the filters poll (policy, deny list), the synchronous check they may ask for, and the
// token-protected admin API that changes policy and deny list.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { DenyList, DenyKind } from '../../enforce/deny-list.ts';
import { DenyListError } from '../../enforce/deny-list.ts';
import { PolicyError, type PolicyStore } from '../../enforce/policy-store.ts';
import type { RequestChecker } from '../../enforce/check.ts';
import { describeIssues } from '../../ingest/field-errors.ts';
import { MAX_RECORD_BYTES, RecordSchema } from '../../ingest/record-schema.ts';
import { HttpError } from '../http-error.ts';
import type { InflightBodies } from '../inflight-bodies.ts';
import { sendJson } from '../respond.ts';
import type { Route } from '../router.ts';

export interface EnforceDependencies {
  policies: PolicyStore;
  denyList: DenyList;
  check: RequestChecker;
  /** Reads request bodies within the server-wide budget. */
  bodies: InflightBodies;
  maxBodyBytes: number;
}

// Each route reads at most what its largest sensible body needs.
const MAX_POLICY_BYTES = 1024 * 1024;
const MAX_DENY_REQUEST_BYTES = 16 * 1024;

const DenyRequestSchema = z
  .object({
    ip: z.string().optional(),
    key: z.string().optional(),
    ttlSeconds: z
      .number()
      .positive()
      .max(30 * 86_400),
    reason: z.string().max(200).optional(),
  })
  .refine((v) => (v.ip === undefined) !== (v.key === undefined), { message: 'give exactly one of ip or key', path: ['ip'] });

/** Sends `text` as JSON with its ETag, or 304 when the caller already has it. */
function sendVersioned(req: IncomingMessage, res: ServerResponse, etag: string, text: string): void {
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), etag });
  res.end(text);
}

function denyTarget(url: URL): { kind: DenyKind; value: string } {
  const ip = url.searchParams.get('ip');
  const key = url.searchParams.get('key');
  if ((ip === null) === (key === null)) throw new HttpError(400, 'query: give exactly one of ip or key');
  return ip !== null ? { kind: 'ip', value: ip } : { kind: 'key', value: key! };
}

export function enforceRoutes({ policies, denyList, check, bodies, maxBodyBytes }: EnforceDependencies): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/policy',
      access: 'agent',
      handler: (req, res) => {
        const current = policies.get();
        if (current === undefined) throw new HttpError(404, 'no policy set: the filters keep their configured policy');
        sendVersioned(req, res, current.etag, current.text);
      },
    },
    {
      method: 'PUT',
      path: '/v1/policy',
      access: 'admin',
      handler: async (req, res) => {
        const body = await bodies.readJson(req, res, Math.min(maxBodyBytes, MAX_POLICY_BYTES));
        try {
          sendJson(res, 200, { revision: policies.replace(body) });
        } catch (error) {
          if (error instanceof PolicyError) throw new HttpError(400, error.message);
          throw error;
        }
      },
    },
    {
      method: 'GET',
      path: '/v1/denylist',
      access: 'agent',
      handler: (req, res) => {
        const { etag, revision, keyHeader, entries } = denyList.snapshot();
        // The filter's wire form: one of "ip" or "key" per entry, expiry in unix milliseconds.
        const wire = entries.map(({ kind, value, expiresAt, reason }) => ({ [kind]: value, expiresAt, reason }));
        sendVersioned(req, res, etag, JSON.stringify({ revision, keyHeader, entries: wire }));
      },
    },
    {
      method: 'POST',
      path: '/v1/admin/denylist',
      access: 'admin',
      handler: async (req, res) => {
        const parsed = DenyRequestSchema.safeParse(await bodies.readJson(req, res, MAX_DENY_REQUEST_BYTES));
        if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error.issues));
        const { ip, key, ttlSeconds, reason } = parsed.data;
        try {
          const entry = denyList.add(ip !== undefined ? 'ip' : 'key', (ip ?? key)!, Math.round(ttlSeconds * 1000), reason ?? 'admin');
          sendJson(res, 200, entry);
        } catch (error) {
          if (error instanceof DenyListError) throw new HttpError(400, error.message);
          throw error;
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v1/admin/denylist',
      access: 'admin',
      handler: (_req, res, url) => {
        const { kind, value } = denyTarget(url);
        if (!denyList.remove(kind, value)) throw new HttpError(404, `${kind}: "${value}" is not on the deny list`);
        sendJson(res, 200, { removed: { kind, value } });
      },
    },
    {
      method: 'POST',
      path: '/v1/check',
      access: 'agent',
      handler: async (req, res) => {
        const parsed = RecordSchema.safeParse(await bodies.readJson(req, res, Math.min(maxBodyBytes, MAX_RECORD_BYTES)));
        if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error.issues));
        sendJson(res, 200, check(parsed.data));
      },
    },
  ];
}
