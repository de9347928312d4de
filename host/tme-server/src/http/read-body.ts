// Reads a request body up to a byte limit. Over the limit the request is
// refused with 413 at once, without buffering the rest: a declared
// Content-Length is checked before reading, a streamed body while reading.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

function tooLarge(limit: number): HttpError {
  // The unread rest of the body makes the connection unusable for another request.
  return new HttpError(413, `body: larger than the ${limit}-byte limit (TME_MAX_BATCH_BYTES)`, { connection: 'close' });
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > limit) {
        req.off('data', onData);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, length)));
    req.once('error', reject);
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `body: not valid JSON (${(error as Error).message})`);
  }
}
