// Reads a request body up to a byte limit. Over the limit the request is
// refused with 413 at once, without buffering the rest: a declared
// Content-Length is checked before reading, a streamed body while reading.
// A body with a Content-Length is read into one buffer of that size (no list
// of chunks joined at the end). `reserve`, when given, is asked for the bytes
// before they are held (the server-wide budget, inflight-bodies.ts); a refusal
// rejects with its error without reading further.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

function tooLarge(limit: number): HttpError {
  // The unread rest of the body makes the connection unusable for another request.
  return new HttpError(413, `body: larger than the ${limit}-byte limit (TME_MAX_BATCH_BYTES)`, { connection: 'close' });
}

/** Takes `bytes` more of the budget, or returns the error that refuses the request. */
export type Reserve = (bytes: number) => HttpError | undefined;

export function readBody(req: IncomingMessage, limit: number, reserve?: Reserve): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const sized = req.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0;
  if (sized && declared > limit) return Promise.reject(tooLarge(limit));
  const refused = sized ? reserve?.(declared) : undefined;
  if (refused !== undefined) return Promise.reject(refused);
  return new Promise((resolve, reject) => {
    // Node's parser delivers exactly the declared length, so the chunks fill `whole`.
    const whole = sized ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      const error = length + chunk.length > limit ? tooLarge(limit) : sized ? undefined : reserve?.(chunk.length);
      if (error !== undefined) {
        req.off('data', onData);
        reject(error);
        return;
      }
      if (whole !== undefined) chunk.copy(whole, length);
      else chunks.push(chunk);
      length += chunk.length;
    };
    req.on('data', onData);
    req.once('end', () => resolve(whole !== undefined ? whole.subarray(0, length) : Buffer.concat(chunks, length)));
    req.once('error', reject);
  });
}

export async function readJson(req: IncomingMessage, limit: number, reserve?: Reserve): Promise<unknown> {
  const body = await readBody(req, limit, reserve);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `body: not valid JSON (${(error as Error).message})`);
  }
}
