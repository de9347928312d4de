// Sends sealed batches to the TME by HTTP callout, off the request path. Failures are counted and
// the records dropped: a slow or absent TME never holds traffic or grows memory.
import { RootContext, log, LogLevelValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { Batcher } from "./batcher";
import { Config } from "../config";
import { FilterMetrics } from "../metrics";
import { nowNanos } from "../host/abi";
import { Callout, CalloutReply, callTme, pair } from "../host/callout";

/** Calls in flight per worker; more batches wait in the batcher (bounded by maxPendingBatches). */
const MAX_INFLIGHT: i32 = 4;

class ReportCall extends Callout {
  constructor(root: RootContext, public reporter: Reporter, public records: i32) {
    super(root, root.context_id);
  }

  done(reply: CalloutReply): void {
    this.reporter.settled(this.records, reply.status);
  }
}

export class Reporter {
  readonly batcher: Batcher;
  private warnedAtMs: u64 = 0;

  constructor(private root: RootContext, private cfg: Config, private metrics: FilterMetrics) {
    this.batcher = new Batcher(cfg.report);
  }

  /** Sends what is ready, up to the in-flight limit, and counts what the batcher dropped. */
  pump(): void {
    const dropped = this.batcher.takeDropped();
    if (dropped > 0) this.metrics.dropped.increment(dropped);
    while (this.batcher.inflight < MAX_INFLIGHT) {
      const batch = this.batcher.next();
      if (batch === null) return;
      const call = new ReportCall(this.root, this, batch.records);
      const report = this.cfg.report;
      if (!callTme(this.root, this.cfg, "POST", report.path, [pair("content-type", "application/json")], batch.body, report.timeoutMs, call)) {
        this.batcher.settle();
        this.failed(batch.records, "callout refused by the proxy; is cluster '" + this.cfg.tmeCluster + "' defined?");
      }
    }
  }

  settled(records: i32, status: i32): void {
    this.batcher.settle();
    if (status >= 200 && status < 300) {
      this.metrics.reported.increment(records);
    } else {
      this.failed(records, status == 0 ? "TME unreachable or timed out" : "TME answered " + status.toString());
    }
    this.pump();
  }

  private failed(records: i32, why: string): void {
    this.metrics.reportFailures.increment(1);
    this.metrics.dropped.increment(records);
    // One line per ten seconds at most: a TME outage must not flood the proxy's log.
    const nowMs = nowNanos() / 1000000;
    if (nowMs - this.warnedAtMs >= 10000) {
      this.warnedAtMs = nowMs;
      log(LogLevelValues.warn, "gatewarden: report of " + records.toString() + " records dropped: " + why);
    }
  }
}
