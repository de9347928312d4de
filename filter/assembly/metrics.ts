// Every metric the filter defines, in one place. Envoy shows them in /stats/prometheus under these
// names (no `envoy_` prefix); Istio needs a proxyStatsMatcher inclusion for the `gatewarden_` prefix.
import { Counter, Gauge } from "@solo-io/proxy-runtime/assembly/runtime";
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { Action } from "./policy/model";
import { Verdict } from "./policy/verdict";

/**
 * A counter bumped on every exchange, counted in the module and handed to the host by `flush`: one host
 * call per report sent or tick instead of one per exchange.
 */
export class ExchangeCounter {
  private pending: u32 = 0;

  constructor(private counter: Counter) {}

  @inline add(n: u32): void {
    this.pending += n;
  }

  flush(): void {
    if (this.pending == 0) return;
    this.counter.increment(this.pending);
    this.pending = 0;
  }
}

export class FilterMetrics {
  /** Exchanges whose record was handed to the batcher (flushed before each report goes out). */
  captured: ExchangeCounter = new ExchangeCounter(new Counter("gatewarden_captured_total"));
  /** Of those, exchanges reported as a summary only (report.sampleRate). */
  sampledOut: ExchangeCounter = new ExchangeCounter(new Counter("gatewarden_sampled_out_total"));
  /** Records the TME acknowledged. */
  reported: Counter = new Counter("gatewarden_reported_total");
  /** Records lost: batcher full, callout refused, failed or answered with an error. */
  dropped: Counter = new Counter("gatewarden_dropped_total");
  /** Report callouts that failed, timed out or got a non-2xx answer. */
  reportFailures: Counter = new Counter("gatewarden_report_failures_total");
  /** Bodies cut at bodyCaptureSize. */
  truncatedBodies: Counter = new Counter("gatewarden_bodies_truncated_total");
  /** Requests refused with a local reply, and requests let through but reported as attacks. */
  blocked: Counter = new Counter("gatewarden_blocked_total");
  monitored: Counter = new Counter("gatewarden_monitored_total");
  /** Synchronous checks with the TME: failed (unreachable, timeout, 5xx, bad answer), and what followed. */
  checkFailures: Counter = new Counter("gatewarden_check_failures_total");
  checkFailOpen: Counter = new Counter("gatewarden_check_fail_open_total");
  checkFailClosed: Counter = new Counter("gatewarden_check_fail_closed_total");
  /** Polls of the TME for policy or deny list that failed (unreachable, timeout, an unexpected status). */
  pollFailures: Counter = new Counter("gatewarden_poll_failures_total");
  /** Policies from the TME that failed validation in the filter (the last good one stays). */
  policyRejected: Counter = new Counter("gatewarden_policy_rejected_total");
  /** The revision of the policy in force, and the number of deny-list entries. */
  policyRevision: Gauge = new Gauge("gatewarden_policy_revision");
  denylistEntries: Gauge = new Gauge("gatewarden_denylist_entries");
  /** Linear memory of this worker's Wasm VM (the gauge shows the last worker to tick). */
  wasmMemory: Gauge = new Gauge("gatewarden_wasm_memory_bytes");
  private perCategory: Map<string, Counter> = new Map();
  private perRule: Map<string, Counter> = new Map();

  /** Counts a verdict, overall and per category (gatewarden_blocked_sqli_total, …). */
  verdict(action: Action, category: string): void {
    if (action != Action.Block && action != Action.Monitor) return;
    const kind = action == Action.Block ? "blocked" : "monitored";
    (action == Action.Block ? this.blocked : this.monitored).increment(1);
    const name = "gatewarden_" + kind + "_" + category + "_total";
    if (!this.perCategory.has(name)) this.perCategory.set(name, new Counter(name));
    this.perCategory.get(name).increment(1);
  }

  /**
   * Counts a detection verdict by category, rule and action, block and monitor alike:
   * gatewarden_detections_<category>_<rule>_<action>_total, the rule id without its category prefix and
   * with every character outside [a-z0-9] as '_' (sqli.tautology blocked: gatewarden_detections_sqli_tautology_block_total).
   * Proxy-wasm metrics have no labels; Envoy's stats_tags can extract them (README).
   */
  detection(v: Verdict): void {
    if (!v.detected || (v.action != Action.Block && v.action != Action.Monitor)) return;
    const name = detectionMetricName(v.category, v.rule, v.action == Action.Block ? "block" : "monitor");
    if (!this.perRule.has(name)) this.perRule.set(name, new Counter(name));
    this.perRule.get(name).increment(1);
  }

  /** Hands the exchange counters to the host: before a report goes out, so the TME never has records the counters miss. */
  flushExchangeCounts(): void {
    this.captured.flush();
    this.sampledOut.flush();
  }

  setGauge(gauge: Gauge, value: i64): void {
    imports.proxy_record_metric(gauge.metric_id, <u64>value);
  }
}

export function detectionMetricName(category: string, rule: string, action: string): string {
  const id = rule.startsWith(category + ".") ? rule.substring(category.length + 1) : rule;
  return "gatewarden_detections_" + metricWord(category) + "_" + metricWord(id) + "_" + action + "_total";
}

/** Lower-case letters and digits kept, anything else '_': a name Envoy and Prometheus take as is. */
function metricWord(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    out += (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ? String.fromCharCode(c) : "_";
  }
  return out;
}
