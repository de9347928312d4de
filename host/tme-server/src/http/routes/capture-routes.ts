// GET /v1/captures?limit=N: the newest redacted captures, newest first.
import type { CaptureRing } from '../../store/capture-ring.ts';
import { HttpError } from '../http-error.ts';
import { sendJson } from '../respond.ts';
import type { Route } from '../router.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new HttpError(400, `limit: expected an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(raw)}`);
  return limit;
}

export function captureRoutes(ring: CaptureRing): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/captures',
      access: 'reader',
      handler: (_req, res, url) => sendJson(res, 200, { captures: ring.newest(parseLimit(url.searchParams.get('limit'))) }),
    },
  ];
}
