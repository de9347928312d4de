// Sends sealed batches to the TME by HTTP callout, off the request path. Failures are counted and
// the records dropped: a slow or absent TME never holds traffic or grows memory.
import { BaseContext, Context, RootContext, Headers, HeaderPair, log, LogLevelValues, WasmResultValues, HeaderMapTypeValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { Batcher } from "./batcher";
import { Config } from "../config";
import { FilterMetrics } from "../metrics";
import { headerValue, nowNanos } from "../host/abi";

/** Calls in flight per worker; more batches wait in the batcher (bounded by maxPendingBatches). */
const MAX_INFLIGHT: i32 = 4;

/** The callout's origin context, carrying what the reply handler needs (AssemblyScript has no closures). */
class ReportCall extends Context {
  constructor(root: RootContext, public reporter: Reporter, public records: i32) {
    super(root.context_id, root);
  }
}

function onReportReply(origin: BaseContext, headers: u32, bodySize: usize, trailers: u32): void {
  const call = changetype<ReportCall>(origin);
  let status = 0;
  if (headers != 0) status = I32.parseInt(headerValue(HeaderMapTypeValues.HttpCallResponseHeaders, ":status"));
  call.reporter.settled(call.records, status);
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
      const headers: Headers = [
        new HeaderPair(String.UTF8.encode(":method"), String.UTF8.encode("POST")),
        new HeaderPair(String.UTF8.encode(":path"), String.UTF8.encode(this.cfg.report.path)),
        new HeaderPair(String.UTF8.encode(":authority"), String.UTF8.encode(this.cfg.report.authority)),
        new HeaderPair(String.UTF8.encode("content-type"), String.UTF8.encode("application/json")),
      ];
      const call = new ReportCall(this.root, this, batch.records);
      const result = this.root.httpCall(this.cfg.tmeCluster, headers, batch.body, [], this.cfg.report.timeoutMs, call, onReportReply);
      if (result != WasmResultValues.Ok) {
        this.batcher.settle();
        this.failed(batch.records, "callout refused by the proxy (result " + result.toString() + "); is cluster '" + this.cfg.tmeCluster + "' defined?");
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
