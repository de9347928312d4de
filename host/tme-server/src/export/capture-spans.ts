// Exports each capture as an OpenTelemetry SERVER span over OTLP/HTTP.
// The span's resource carries the record's service, so every service gets its
// own tracer provider; they share one batch processor and one exporter, which
// groups spans by resource on the wire. The queue is bounded in bytes (about the
// size of the captures waiting): beyond `maxQueueBytes`, captures are not
// exported, and counted.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type HrTime, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Capture } from '../record/capture.ts';
import { CountingSpanExporter, type ExportCounts } from './counting-exporter.ts';

const INSTRUMENTATION_SCOPE = 'gatewarden-tme';
// The semantic-convention name (still "incubating" in @opentelemetry/semantic-conventions).
const DEPLOYMENT_ENVIRONMENT = 'deployment.environment.name';

export interface CaptureSpanOptions {
  url: string;
  /** The deployment environment (prod, staging…), on every span's resource when set. */
  environment?: string;
  scheduledDelayMillis: number;
  maxQueueBytes: number;
  counts: ExportCounts;
}

// The processor's own bound is by count; the byte bound below is reached long before it.
const MAX_QUEUED_SPANS = 1 << 20;

function hrTime(unixNano: bigint): HrTime {
  return [Number(unixNano / 1_000_000_000n), Number(unixNano % 1_000_000_000n)];
}

export class CaptureSpans {
  private readonly processor: BatchSpanProcessor;
  private readonly tracers = new Map<string, Tracer>();
  private readonly environment: string | undefined;
  private readonly queued = new Map<string, number>();
  private queuedBytes = 0;

  constructor(private readonly options: CaptureSpanOptions) {
    this.environment = options.environment;
    const release = (spans: ReadableSpan[]): void => {
      for (const span of spans) {
        const id = span.spanContext().spanId;
        this.queuedBytes -= this.queued.get(id) ?? 0;
        this.queued.delete(id);
      }
    };
    const exporter: SpanExporter = new CountingSpanExporter(new OTLPTraceExporter({ url: options.url }), options.counts, release);
    this.processor = new BatchSpanProcessor({
      exporter,
      scheduledDelayMillis: options.scheduledDelayMillis,
      maxQueueSize: MAX_QUEUED_SPANS,
    });
  }

  /** Queues a capture of about `bytes` bytes for export, unless the queue is full. */
  export(capture: Capture, bytes: number): void {
    if (this.queuedBytes + bytes > this.options.maxQueueBytes) {
      this.options.counts.dropped();
      return;
    }
    const attributes = capture.attributes;
    const method = String(attributes['http.request.method']);
    const start = BigInt(capture.start_time_unix_nano);
    const span = this.tracer(String(attributes['gatewarden.service.name'])).startSpan(
      `${method} ${String(attributes['url.path'])}`,
      { kind: SpanKind.SERVER, startTime: hrTime(start), attributes },
      ROOT_CONTEXT,
    );
    // For a server span only a 5xx is the server's error; a 4xx is the client's.
    const status = attributes['http.response.status_code'];
    if (typeof status === 'number' && status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    this.queued.set(span.spanContext().spanId, bytes);
    this.queuedBytes += bytes;
    span.end(hrTime(start + BigInt(capture.duration_nano)));
  }

  /** Sends what is queued and stops the exporter. */
  shutdown(): Promise<void> {
    return this.processor.shutdown();
  }

  private tracer(service: string): Tracer {
    let tracer = this.tracers.get(service);
    if (tracer === undefined) {
      // Not shut down one by one: the shared processor is shut down once, above.
      const provider = new TracerProvider({
        resource: resourceFromAttributes({
          [ATTR_SERVICE_NAME]: service,
          ...(this.environment ? { [DEPLOYMENT_ENVIRONMENT]: this.environment } : {}),
        }),
        spanProcessors: [this.processor],
      });
      tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
      this.tracers.set(service, tracer);
    }
    return tracer;
  }
}
