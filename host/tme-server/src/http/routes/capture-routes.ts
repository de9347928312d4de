// GET /v1/captures?limit=N[&cursor=C]: the newest redacted captures, newest first, read from the
// ring's bytes only now. One answer holds at most `limit` captures and about `maxBytes` of them (at
// least one); `next_cursor`, when present, continues below the last one returned.
import { readCapture, type Capture } from '../../record/capture.ts';
import type { CaptureRing } from '../../store/capture-ring.ts';
import { HttpError } from '../http-error.ts';
import { sendJson } from '../respond.ts';
import type { Route } from '../router.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new HttpError(400, `limit: expected an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(raw)}`);
  return limit;
}

function parseCursor(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw new HttpError(400, `cursor: expected the next_cursor of a previous answer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function captureRoutes(ring: CaptureRing, maxBytes: number): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/captures',
      access: 'reader',
      handler: (_req, res, url) => {
        const limit = parseLimit(url.searchParams.get('limit'));
        const captures: Capture[] = [];
        let bytes = 0;
        let nextCursor: string | undefined;
        for (const { sequence, capture } of ring.newest(parseCursor(url.searchParams.get('cursor')))) {
          if (captures.length === limit || (captures.length > 0 && bytes + capture.size > maxBytes)) {
            nextCursor = String(sequence + 1);
            break;
          }
          bytes += capture.size;
          const readable = readCapture(capture);
          if (readable !== undefined) captures.push(readable);
        }
        sendJson(res, 200, nextCursor === undefined ? { captures } : { captures, next_cursor: nextCursor });
      },
    },
  ];
}
