// Sends sealed batches to the TME by HTTP callout, off the request path. A batch that fails (no
// answer, a timeout, 408, 429 or 5xx) waits and is sent again, first in line, after a backoff that
// doubles up to MAX_BACKOFF_MS, so a TME restart loses nothing while the batcher's bounded buffer
// has room; other answers (a 4xx) are final, and their records dropped and counted. A slow or absent
// TME never holds traffic or grows memory beyond the buffer.
import { RootContext, log, LogLevelValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { Batch, Batcher } from "./batcher";
import { Sampler } from "./sampler";
import { Config } from "../config";
import { FilterMetrics } from "../metrics";
import { nowNanos } from "../host/abi";
import { Callout, CalloutReply, callTme, pair } from "../host/callout";

/** Calls in flight per worker; more batches wait in the batcher (bounded by report.maxBufferBytes). */
const MAX_INFLIGHT: i32 = 4;
const MIN_BACKOFF_MS: u64 = 100;
const MAX_BACKOFF_MS: u64 = 1000;

class ReportCall extends Callout {
  constructor(
    root: RootContext,
    public reporter: Reporter,
    public batch: Batch,
  ) {
    super(root.context_id);
  }

  done(reply: CalloutReply): void {
    this.reporter.settled(this.batch, reply.status);
  }
}

/** Whether a report answered with `status` (0: no answer) may succeed if sent again. */
export function retryable(status: i32): bool {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

/** The wait before the next send after a failure, given the previous wait (0 after a success). */
export function nextBackoffMs(previousMs: u64): u64 {
  if (previousMs == 0) return MIN_BACKOFF_MS;
  return previousMs * 2 < MAX_BACKOFF_MS ? previousMs * 2 : MAX_BACKOFF_MS;
}

function nowMs(): u64 {
  return nowNanos() / 1000000;
}

export class Reporter {
  readonly batcher: Batcher;
  /** Which exchanges without a verdict are reported in full (report.sampleRate). */
  readonly sampler: Sampler;
  private warnedAtMs: u64 = 0;
  private backoffMs: u64 = 0;
  private resumeAtMs: u64 = 0;

  constructor(
    private root: RootContext,
    private cfg: Config,
    private metrics: FilterMetrics,
  ) {
    this.batcher = new Batcher(cfg.report);
    this.sampler = new Sampler(cfg.report.sampleRate);
  }

  /** Sends what is ready, up to the in-flight limit and not while backing off, and counts what the batcher dropped. */
  pump(): void {
    this.countDropped();
    if (this.backoffMs > 0 && nowMs() < this.resumeAtMs) return;
    while (this.batcher.inflight < MAX_INFLIGHT) {
      const batch = this.batcher.next();
      if (batch === null) return;
      const call = new ReportCall(this.root, this, batch);
      const report = this.cfg.report;
      const headers = [pair("content-type", "application/json")];
      if (batch.frame.length > 0) headers.push(pair("x-gatewarden-frame", batch.frame));
      if (!callTme(this.cfg, "POST", report.path, headers, batch.ptr, batch.length, report.timeoutMs, call)) {
        // A configuration error, not an outage: retrying would not help.
        this.batcher.settle(batch);
        this.failed(batch.records, "callout refused by the proxy; is cluster '" + this.cfg.tmeCluster + "' defined?");
      }
    }
  }

  settled(batch: Batch, status: i32): void {
    if (status >= 200 && status < 300) {
      this.batcher.settle(batch);
      this.metrics.reported.increment(batch.records);
      this.backoffMs = 0;
    } else if (retryable(status)) {
      this.batcher.retry(batch);
      this.metrics.reportFailures.increment(1);
      this.backoffMs = nextBackoffMs(this.backoffMs);
      this.resumeAtMs = nowMs() + this.backoffMs;
      this.warn(batch.records, (status == 0 ? "TME unreachable or timed out" : "TME answered " + status.toString()) + "; kept for retry");
    } else {
      this.batcher.settle(batch);
      this.failed(batch.records, "TME refused it with " + status.toString());
    }
    this.pump();
  }

  private countDropped(): void {
    const dropped = this.batcher.takeDropped();
    if (dropped > 0) {
      this.metrics.dropped.increment(dropped);
      this.warn(dropped, "report buffer full (report.maxBufferBytes)");
    }
  }

  private failed(records: i32, why: string): void {
    this.metrics.reportFailures.increment(1);
    this.metrics.dropped.increment(records);
    this.warn(records, why + "; dropped");
  }

  // One line per ten seconds at most: a TME outage must not flood the proxy's log.
  private warn(records: i32, why: string): void {
    const now = nowMs();
    if (now - this.warnedAtMs >= 10000) {
      this.warnedAtMs = now;
      log(LogLevelValues.warn, "gatewarden: report of " + records.toString() + " records: " + why);
    }
  }
}
