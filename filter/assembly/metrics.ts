// Every metric the filter defines, in one place. Envoy shows them in /stats/prometheus under these
// names (no `envoy_` prefix); Istio needs a proxyStatsMatcher inclusion for the `gatewarden_` prefix.
import { Counter } from "@solo-io/proxy-runtime/assembly/runtime";

export class FilterMetrics {
  /** Exchanges whose record was handed to the batcher. */
  captured: Counter = new Counter("gatewarden_captured_total");
  /** Records the TME acknowledged. */
  reported: Counter = new Counter("gatewarden_reported_total");
  /** Records lost: batcher full, callout refused, failed or answered with an error. */
  dropped: Counter = new Counter("gatewarden_dropped_total");
  /** Report callouts that failed, timed out or got a non-2xx answer. */
  reportFailures: Counter = new Counter("gatewarden_report_failures_total");
  /** Bodies cut at bodyCaptureSize. */
  truncatedBodies: Counter = new Counter("gatewarden_bodies_truncated_total");
}
