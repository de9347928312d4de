// Wraps the OTLP exporter to count what reached the backend and what did not;
// the exporter itself only logs failures.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

export interface ExportCounts {
  exported(spans: number): void;
  failed(spans: number, error: Error | undefined): void;
  /** Captures not queued for export because the queue was full. */
  dropped(): void;
}

export class CountingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly counts: ExportCounts,
    /** Called with every span that left the queue, exported or not. */
    private readonly released: (spans: ReadableSpan[]) => void = () => {},
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.counts.exported(spans.length);
      else this.counts.failed(spans.length, result.error);
      this.released(spans);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
