// Report ingest: batches from the gateway filter (POST /v1/records) and single
// reports from Traceable-style connectors (POST /ext_cap/v1/req_res_cap).
// Each record is validated alone; good records are kept even when others in the
// same batch are rejected, and the answer names each rejected record's field.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues } from '../../ingest/field-errors.ts';
import { ExtCapSchema } from '../../ingest/ext-cap-schema.ts';
import { extCapToRecord } from '../../ingest/ext-cap-to-record.ts';
import type { CapturePipeline } from '../../ingest/capture-pipeline.ts';
import { BatchEnvelopeSchema, RecordSchema, type CaptureRecord } from '../../ingest/record-schema.ts';
import type { TmeMetrics } from '../../metrics/tme-metrics.ts';
import type { CaptureSource } from '../../record/capture.ts';
import { HttpError } from '../http-error.ts';
import { readJson } from '../read-body.ts';
import { sendJson } from '../respond.ts';
import type { Route } from '../router.ts';

export interface IngestDependencies {
  pipeline: CapturePipeline;
  metrics: TmeMetrics;
  maxBodyBytes: number;
}

interface Rejection {
  index: number;
  error: string;
}

async function acceptDurably(pipeline: CapturePipeline, records: CaptureRecord[], source: CaptureSource): Promise<void> {
  try {
    await pipeline.accept(records, source);
  } catch (error) {
    // Not acknowledged, so the sender may retry; nothing was kept in memory or exported.
    console.error('tme: spool write failed:', error);
    throw new HttpError(503, `spool: write failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function answer(accepted: number, rejected: Rejection[]): { status: number; body: object } {
  // A batch with nothing usable is the sender's error; a partly good batch is not.
  if (accepted === 0 && rejected.length > 0) return { status: 400, body: { error: rejected[0]!.error, accepted, rejected } };
  return { status: 200, body: { accepted, rejected } };
}

export function ingestRoutes({ pipeline, metrics, maxBodyBytes }: IngestDependencies): Route[] {
  const count = (source: CaptureSource, received: number, rejected: number): void => {
    metrics.recordsReceived.inc({ source }, received);
    metrics.recordsRejected.inc({ source }, rejected);
  };

  const ingestBatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const envelope = BatchEnvelopeSchema.safeParse(await readJson(req, maxBodyBytes));
    if (!envelope.success) throw new HttpError(400, describeIssues(envelope.error.issues));
    const good: CaptureRecord[] = [];
    const rejected: Rejection[] = [];
    envelope.data.records.forEach((candidate, index) => {
      const parsed = RecordSchema.safeParse(candidate);
      if (parsed.success) good.push(parsed.data);
      else rejected.push({ index, error: describeIssues(parsed.error.issues, ['records', index]) });
    });
    count('gatewarden', envelope.data.records.length, rejected.length);
    if (good.length > 0) await acceptDurably(pipeline, good, 'gatewarden');
    const { status, body } = answer(good.length, rejected);
    sendJson(res, status, body);
  };

  const ingestExtCap = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = ExtCapSchema.safeParse(await readJson(req, maxBodyBytes));
    if (!parsed.success) {
      count('ext_cap', 1, 1);
      throw new HttpError(400, describeIssues(parsed.error.issues));
    }
    count('ext_cap', 1, 0);
    await acceptDurably(pipeline, [extCapToRecord(parsed.data, req.headers, Date.now())], 'ext_cap');
    sendJson(res, 200, { accepted: 1, rejected: [] });
  };

  return [
    { method: 'POST', path: '/v1/records', access: 'agent', handler: ingestBatch },
    { method: 'POST', path: '/ext_cap/v1/req_res_cap', access: 'agent', handler: ingestExtCap },
  ];
}
