// The request bodies the TME holds at once, bounded in bytes across all connections
// (TME_MAX_INFLIGHT_BODY_BYTES): each body's bytes are taken from the budget before they are read and
// given back when its response is done (or its connection gone). A request that would pass the budget
// is refused with 503 and counted; the filter keeps the batch and retries it. With the per-request
// limit (TME_MAX_BATCH_BYTES) and the connection cap alone, 256 connections could hold 4 GiB.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error.ts';
import { readBody, readJson } from './read-body.ts';

export class InflightBodies {
  private held = 0;

  constructor(
    readonly maxBytes: number,
    private readonly refused: () => void,
  ) {}

  /** Bytes of request bodies held now. */
  get bytes(): number {
    return this.held;
  }

  read(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
    return readBody(req, limit, this.reserveFor(res));
  }

  readJson(req: IncomingMessage, res: ServerResponse, limit: number): Promise<unknown> {
    return readJson(req, limit, this.reserveFor(res));
  }

  private reserveFor(res: ServerResponse): (bytes: number) => HttpError | undefined {
    let taken = 0;
    let done = res.closed;
    res.once('close', () => {
      done = true;
      this.held -= taken;
      taken = 0;
    });
    return (bytes) => {
      // Nobody waits for the answer: nothing is held for it.
      if (done) return new HttpError(503, 'body: the connection is closed');
      if (this.held + bytes > this.maxBytes) {
        this.refused();
        return new HttpError(
          503,
          `body: the TME holds ${this.held} bytes of request bodies, ${bytes} more would pass TME_MAX_INFLIGHT_BODY_BYTES (${this.maxBytes}); retry later`,
          { 'retry-after': '1' },
        );
      }
      this.held += bytes;
      taken += bytes;
      return undefined;
    };
  }
}
