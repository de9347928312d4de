// Report ingest: batches from the gateway filter (POST /v1/records) and single
// reports from Traceable-style connectors (POST /ext_cap/v1/req_res_cap).
// A batch is framed without parsing it (ingest/batch-framing.ts). A record its
// producer marked `"redacted": true` and that the framing found well-shaped is
// stored as its bytes; any other record is parsed, validated and redacted. An ext_cap report is mapped
// onto an exchange whose record the engine encodes (the filter's own encoder, redacted and marked). Each
// record is judged alone; good records are kept even when others in the same batch are rejected, and
// the answer names each rejected record's field.
//
// A batch from the filter, authenticated by the agent token, states its framing (x-gatewarden-frame;
// ingest/stated-framing.ts): the TME checks the statement with a few comparisons per record instead of
// reading every byte, and refuses the whole batch when it does not hold. Without the agent token (none
// configured, or another credential) a statement is ignored and the batch framed byte by byte.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues } from '../../ingest/field-errors.ts';
import { ExtCapSchema } from '../../ingest/ext-cap-schema.ts';
import type { ExchangeParts } from '../../../../../filter/node/engine.ts';
import { extCapExchange } from '../../ingest/ext-cap-exchange.ts';
import type { CapturePipeline, EncodedRecord } from '../../ingest/capture-pipeline.ts';
import { FramingError, frameBatch, RECORD_FRAMING, type RecordFrame } from '../../ingest/batch-framing.ts';
import { checkStated, FRAME_HEADER, parseFrame, type CheckedRecord } from '../../ingest/stated-framing.ts';
import { RecordSchema, type CaptureRecord } from '../../ingest/record-schema.ts';
import type { TmeMetrics } from '../../metrics/tme-metrics.ts';
import type { CaptureSource } from '../../record/capture.ts';
import { HttpError } from '../http-error.ts';
import type { InflightBodies } from '../inflight-bodies.ts';
import { sendJson } from '../respond.ts';
import type { Route } from '../router.ts';

export interface IngestDependencies {
  pipeline: CapturePipeline;
  /** The record of an exchange, redacted, marked and framed: the engine's encodeRecord. */
  encode(parts: ExchangeParts): EncodedRecord;
  /** Whether a request presents the agent token (one is configured): only then is a stated framing used. */
  fromAgent(req: IncomingMessage): boolean;
  metrics: TmeMetrics;
  /** Reads request bodies within the server-wide budget. */
  bodies: InflightBodies;
  maxBodyBytes: number;
}

interface Rejection {
  index: number;
  error: string;
}

async function durably(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    // Not acknowledged, so the sender may retry; nothing was kept in memory or exported.
    console.error('tme: spool write failed:', error);
    throw new HttpError(503, `spool: write failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The slow path of one record: parsed and validated; a string says why it was rejected. */
function parseRecord(bytes: Buffer, index: number): CaptureRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return `records[${index}]: not valid JSON (${(error as Error).message})`;
  }
  const parsed = RecordSchema.safeParse(value);
  return parsed.success ? parsed.data : describeIssues(parsed.error.issues, ['records', index]);
}

/** A batch's records by the way they take: stored as their bytes, parsed first, or rejected. */
class Sorted {
  readonly encoded: EncodedRecord[] = [];
  readonly parsed: CaptureRecord[] = [];
  readonly rejected: Rejection[] = [];

  parse(bytes: Buffer, index: number): void {
    const result = parseRecord(bytes, index);
    if (typeof result === 'string') this.rejected.push({ index, error: result });
    else this.parsed.push(result);
  }
}

function answer(accepted: number, rejected: Rejection[]): { status: number; body: object } {
  // A batch with nothing usable is the sender's error; a partly good batch is not.
  if (accepted === 0 && rejected.length > 0) return { status: 400, body: { error: rejected[0]!.error, accepted, rejected } };
  return { status: 200, body: { accepted, rejected } };
}

export function ingestRoutes({ pipeline, encode, fromAgent, metrics, bodies, maxBodyBytes }: IngestDependencies): Route[] {
  const count = (source: CaptureSource, received: number, rejected: number): void => {
    metrics.recordsReceived.inc({ source }, received);
    metrics.recordsRejected.inc({ source }, rejected);
  };

  const refusing = <T>(frame: () => T): T => {
    try {
      return frame();
    } catch (error) {
      if (error instanceof FramingError) throw new HttpError(400, error.message);
      throw error;
    }
  };

  /** The records of a batch framed byte by byte (batch-framing.ts): an untrusted producer's. */
  const scanned = (batch: Buffer, sorted: Sorted): number => {
    const frames: RecordFrame[] = refusing(() => frameBatch(batch, RECORD_FRAMING));
    frames.forEach((frame, index) => {
      const bytes = batch.subarray(frame.start, frame.end);
      if (frame.problem !== undefined) sorted.rejected.push({ index, error: `records[${index}]: ${frame.problem}` });
      // A marked record the framing could not vouch for is parsed: the schema says what is wrong, if anything.
      else if (frame.redacted && frame.oneLine && frame.fits) sorted.encoded.push({ bytes, index: frame.index, verdict: frame.verdict });
      else sorted.parse(bytes, index);
    });
    return frames.length;
  };

  /** The records of a batch whose framing the filter stated (stated-framing.ts), checked as a whole. */
  const stated = (batch: Buffer, statement: string, sorted: Sorted): number => {
    const records: CheckedRecord[] = refusing(() => checkStated(batch, parseFrame(statement, RECORD_FRAMING), RECORD_FRAMING));
    records.forEach(({ bytes, index, verdict }, i) => {
      if (index === undefined) sorted.parse(bytes, i);
      else if (!verdict) sorted.encoded.push({ bytes, index, verdict });
      else {
        // Verdicts reach auto-deny parsed: validated first, so that nothing it reads is other than the schema's.
        const record = parseRecord(bytes, i);
        if (typeof record === 'string') sorted.rejected.push({ index: i, error: record });
        else sorted.encoded.push({ bytes, index, verdict, parsed: record });
      }
    });
    return records.length;
  };

  const ingestBatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const batch = await bodies.read(req, res, maxBodyBytes);
    const sorted = new Sorted();
    const statement = req.headers[FRAME_HEADER];
    const isStated = typeof statement === 'string' && fromAgent(req);
    metrics.batchesReceived.inc({ framing: isStated ? 'stated' : 'scanned' });
    const received = isStated ? stated(batch, statement, sorted) : scanned(batch, sorted);
    const { encoded, parsed, rejected } = sorted;
    count('gatewarden', received, rejected.length);
    if (encoded.length > 0) await durably(() => pipeline.acceptEncoded(encoded, 'gatewarden'));
    if (parsed.length > 0) await durably(() => pipeline.accept(parsed, 'gatewarden'));
    const { status, body } = answer(encoded.length + parsed.length, rejected);
    sendJson(res, status, body);
  };

  const ingestExtCap = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = ExtCapSchema.safeParse(await bodies.readJson(req, res, maxBodyBytes));
    if (!parsed.success) {
      count('ext_cap', 1, 1);
      throw new HttpError(400, describeIssues(parsed.error.issues));
    }
    count('ext_cap', 1, 0);
    const record = encode(extCapExchange(parsed.data, req.headers, Date.now()));
    await durably(() => pipeline.acceptEncoded([record], 'ext_cap'));
    sendJson(res, 200, { accepted: 1, rejected: [] });
  };

  return [
    { method: 'POST', path: '/v1/records', access: 'agent', handler: ingestBatch },
    { method: 'POST', path: '/ext_cap/v1/req_res_cap', access: 'agent', handler: ingestExtCap },
  ];
}
