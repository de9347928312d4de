// Every metric the TME exposes, named in one place, on its own registry so
// several TMEs (as in tests) never share counters.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CaptureSource } from '../record/capture.ts';

export interface TmeMetrics {
  registry: Registry;
  recordsReceived: Counter<'source'>;
  recordsRejected: Counter<'source'>;
  /** Batches of POST /v1/records by how they were framed: as their producer stated, or scanned byte by byte. */
  batchesReceived: Counter<'framing'>;
  recordsExported: Counter;
  exportFailures: Counter;
  /** Detection verdicts of /v1/check, ext_proc and ext_authz, as the filter's gatewarden_detections_*_total. */
  detections: Counter<'category' | 'rule' | 'action'>;
  exportDropped: Counter;
  /** Records accepted but not stored: summaries, and those TME_STORE_SAMPLE_RATE left out. */
  recordsNotStored: Counter<'reason'>;
  unauthorized: Counter<'route'>;
  /** Requests refused with 503 because their body would pass TME_MAX_INFLIGHT_BODY_BYTES. */
  bodiesRefused: Counter;
}

/** A verdict as the engine gives it; only detection findings are counted (not rules, rate limits, the deny list). */
export interface CountedVerdict {
  action: string;
  category?: string;
  rule?: string;
}

const NOT_DETECTION = new Set(['rule', 'ratelimit', 'denylist', 'check']);

/** Counts a verdict in tme_detections_total when it is a detection that blocked or was monitored. */
export function countDetection(detections: TmeMetrics['detections'], v: CountedVerdict | undefined): void {
  if (v === undefined || (v.action !== 'block' && v.action !== 'monitor')) return;
  const category = v.category ?? '';
  if (category === '' || NOT_DETECTION.has(category)) return;
  detections.inc({ category, rule: v.rule ?? '', action: v.action });
}

export function createTmeMetrics(spoolBytes: () => number): TmeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: TmeMetrics = {
    registry,
    recordsReceived: new Counter({
      name: 'tme_records_received_total',
      help: 'Records received, valid or not, by source.',
      labelNames: ['source'],
      registers,
    }),
    recordsRejected: new Counter({
      name: 'tme_records_rejected_total',
      help: 'Records rejected by validation, by source.',
      labelNames: ['source'],
      registers,
    }),
    recordsExported: new Counter({
      name: 'tme_records_exported_total',
      help: 'Captures the OTLP endpoint accepted as spans.',
      registers,
    }),
    exportFailures: new Counter({
      name: 'tme_export_failures_total',
      help: 'OTLP export calls that failed; each one drops a batch of spans.',
      registers,
    }),
    detections: new Counter({
      name: 'tme_detections_total',
      help: 'Attacks detected by /v1/check, ext_proc and ext_authz, by category, rule and action (block, monitor).',
      labelNames: ['category', 'rule', 'action'],
      registers,
    }),
    exportDropped: new Counter({
      name: 'tme_export_dropped_total',
      help: 'Captures not exported because TME_EXPORT_QUEUE_BYTES of them were already waiting.',
      registers,
    }),
    recordsNotStored: new Counter({
      name: 'tme_records_not_stored_total',
      help: "Records accepted and counted by the inventory but not stored, by reason: summary (the filter's report.sampleRate) or sampled_out (TME_STORE_SAMPLE_RATE).",
      labelNames: ['reason'],
      registers,
    }),
    batchesReceived: new Counter({
      name: 'tme_batches_received_total',
      help: 'Batches received on POST /v1/records, by framing: "stated" (the filter stated it, checked) or "scanned" (read byte by byte).',
      labelNames: ['framing'],
      registers,
    }),
    bodiesRefused: new Counter({
      name: 'tme_request_bodies_refused_total',
      help: 'Requests refused with 503 because the request bodies held at once would pass TME_MAX_INFLIGHT_BODY_BYTES.',
      registers,
    }),
    unauthorized: new Counter({
      name: 'gatewarden_tme_unauthorized_total',
      help: 'Requests refused with 401 for a missing or wrong token, by route path.',
      labelNames: ['route'],
      registers,
    }),
  };
  new Gauge({
    name: 'tme_spool_bytes',
    help: 'Bytes in the spool files on disk.',
    registers,
    collect() {
      this.set(spoolBytes());
    },
  });
  // Zero-valued series from the start, so rate() and alerts work before the first record.
  for (const source of ['gatewarden', 'ext_cap', 'ext_proc'] satisfies CaptureSource[]) {
    metrics.recordsReceived.inc({ source }, 0);
    metrics.recordsRejected.inc({ source }, 0);
  }
  for (const reason of ['summary', 'sampled_out']) metrics.recordsNotStored.inc({ reason }, 0);
  for (const framing of ['stated', 'scanned']) metrics.batchesReceived.inc({ framing }, 0);
  return metrics;
}
