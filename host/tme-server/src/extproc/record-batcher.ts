// Finished ext_proc exchanges go to the capture pipeline in small batches, as the filter's reports do:
// one spool write per batch instead of one per exchange. Never on the request path.
import type { EncodedRecord } from '../ingest/capture-pipeline.ts';

export interface RecordSink {
  accept(records: readonly EncodedRecord[]): Promise<unknown>;
}

export class RecordBatcher {
  private pending: EncodedRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: RecordSink,
    private readonly onError: (error: unknown, count: number) => void,
    private readonly maxRecords = 64,
    private readonly delayMs = 50,
  ) {}

  add(record: EncodedRecord): void {
    this.pending.push(record);
    if (this.pending.length >= this.maxRecords) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Hands what is pending to the sink; resolves when every batch so far is written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.flushing = this.flushing.then(() =>
        this.sink.accept(batch).then(
          () => undefined,
          (error: unknown) => this.onError(error, batch.length),
        ),
      );
    }
    return this.flushing;
  }
}
