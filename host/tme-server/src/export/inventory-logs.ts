// Exports inventory changes (inventory/events.ts) as OpenTelemetry log records over OTLP/HTTP, so the
// collector pipeline that carries the spans carries them too. Bounded twice: a token bucket admits at
// most `perSecond` events a second (bursts up to BURST_SECONDS of them), the rest are counted and
// dropped; the batch processor's queue holds at most MAX_QUEUED records. Attributes name the endpoint,
// the field's place and the classes found, never a value.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api-logs';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { InventoryEvent } from '../inventory/events.ts';

const INSTRUMENTATION_SCOPE = 'gatewarden-tme.inventory';
const SERVICE_NAME = 'gatewarden-tme';
const DEPLOYMENT_ENVIRONMENT = 'deployment.environment.name';
const MAX_QUEUED = 2048;
const MAX_BATCH = 512;
const BURST_SECONDS = 10;
// Field names come from traffic: a place is cut to this length in the message and every attribute.
const MAX_TEXT = 256;

export interface InventoryLogCounts {
  exported(records: number): void;
  failed(records: number, error: Error | undefined): void;
  /** An event over the rate limit, not exported. */
  dropped(): void;
}

export interface InventoryLogOptions {
  url: string;
  environment?: string;
  scheduledDelayMillis: number;
  perSecond: number;
  counts: InventoryLogCounts;
}

const MESSAGES: Record<InventoryEvent['kind'], (e: InventoryEvent) => string> = {
  'endpoint.new': (e) => `new API endpoint ${e.endpoint.method} ${e.endpoint.host}${e.endpoint.template}`,
  'endpoint.shadow': (e) =>
    `shadow API endpoint (not in the loaded OpenAPI documents) ${e.endpoint.method} ${e.endpoint.host}${e.endpoint.template}`,
  'field.new': (e) => `new field ${e.location} on ${e.endpoint.method} ${e.endpoint.host}${e.endpoint.template}`,
  'field.sensitive': (e) =>
    `sensitive data (${e.classes?.join(', ')}) in ${e.location} on ${e.endpoint.method} ${e.endpoint.host}${e.endpoint.template}`,
  drift: (e) => `API drift (${e.drift}) at ${e.location} on ${e.endpoint.method} ${e.endpoint.host}${e.endpoint.template}`,
};

// Findings a security team acts on are warnings; the rest is information.
const WARNINGS = new Set<InventoryEvent['kind']>(['endpoint.shadow', 'field.sensitive', 'drift']);

function attributesOf(event: InventoryEvent): Record<string, string | string[]> {
  return {
    'event.name': `gatewarden.inventory.${event.kind}`,
    'gatewarden.api.endpoint.id': event.endpoint.id,
    'server.address': event.endpoint.host,
    'http.request.method': event.endpoint.method,
    'url.template': event.endpoint.template,
    ...(event.location === undefined ? {} : { 'gatewarden.api.field': event.location }),
    ...(event.classes === undefined ? {} : { 'gatewarden.api.sensitive.classes': [...event.classes] }),
    ...(event.drift === undefined ? {} : { 'gatewarden.api.drift.kind': event.drift }),
  };
}

/** Counts what reached the collector and what did not (the exporter itself only logs failures). */
class CountingLogExporter implements LogRecordExporter {
  constructor(
    private readonly inner: LogRecordExporter,
    private readonly counts: InventoryLogCounts,
  ) {}

  export(records: ReadableLogRecord[], done: Parameters<LogRecordExporter['export']>[1]): void {
    this.inner.export(records, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.counts.exported(records.length);
      else this.counts.failed(records.length, result.error);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export class InventoryLogs {
  private readonly provider: LoggerProvider;
  private readonly logger: Logger;
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly options: InventoryLogOptions) {
    this.tokens = options.perSecond * BURST_SECONDS;
    const exporter = new CountingLogExporter(new OTLPLogExporter({ url: options.url }), options.counts);
    this.provider = new LoggerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: SERVICE_NAME,
        ...(options.environment ? { [DEPLOYMENT_ENVIRONMENT]: options.environment } : {}),
      }),
      logRecordLimits: { attributeValueLengthLimit: MAX_TEXT },
      processors: [
        new BatchLogRecordProcessor({
          exporter,
          scheduledDelayMillis: options.scheduledDelayMillis,
          maxQueueSize: MAX_QUEUED,
          maxExportBatchSize: MAX_BATCH,
        }),
      ],
    });
    this.logger = this.provider.getLogger(INSTRUMENTATION_SCOPE);
  }

  /** Queues the event as a log record, unless it is over the rate limit. */
  emit(event: InventoryEvent): void {
    if (!this.admit()) {
      this.options.counts.dropped();
      return;
    }
    const warning = WARNINGS.has(event.kind);
    this.logger.emit({
      eventName: `gatewarden.inventory.${event.kind}`,
      timestamp: event.at,
      severityNumber: warning ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: warning ? 'WARN' : 'INFO',
      body: MESSAGES[event.kind](event).slice(0, 2 * MAX_TEXT),
      attributes: attributesOf(event),
    });
  }

  private admit(): boolean {
    const now = Date.now();
    const burst = this.options.perSecond * BURST_SECONDS;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * this.options.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** Sends what is queued and stops the exporter. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
