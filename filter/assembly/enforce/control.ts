// Keeps each worker's policy and deny list in step with the TME: polls on tick with If-None-Match,
// swaps in what validates, keeps the last good version of what does not.
import { RootContext, log, LogLevelValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { Config } from "../config";
import { FilterMetrics } from "../metrics";
import { Policy } from "../policy/model";
import { DetectOptions } from "../detect/types";
import { detectOptionsOf } from "../policy/decide";
import { parsePolicy } from "../policy/parse";
import { DenyList, parseDenyList } from "./denylist";
import { Callout, CalloutReply, callTme, pair } from "../host/callout";

const POLL_TIMEOUT_MS: u32 = 2000;

enum Feed {
  Policy,
  DenyList,
}

class PollCall extends Callout {
  constructor(
    root: RootContext,
    public control: Control,
    public feed: Feed,
  ) {
    super(root.context_id);
  }

  done(reply: CalloutReply): void {
    this.control.received(this.feed, reply);
  }
}

export class Control {
  policy: Policy;
  detectOptions: DetectOptions | null;
  denyList: DenyList = new DenyList();
  private policyEtag: string = "";
  private denyEtag: string = "";
  private inflight: StaticArray<bool> = new StaticArray<bool>(2);
  private lastPollMs: u64 = 0;
  private warnedAtMs: u64 = 0;

  constructor(
    private root: RootContext,
    private cfg: Config,
    private metrics: FilterMetrics,
  ) {
    this.policy = cfg.policy;
    this.detectOptions = detectOptionsOf(cfg.policy, cfg.enforcement.inspectBodySize);
    metrics.setGauge(metrics.policyRevision, cfg.policy.revision);
  }

  tick(nowMs: u64): void {
    const interval = this.cfg.enforcement.refreshIntervalMs;
    if (interval == 0 || nowMs - this.lastPollMs < <u64>interval) return;
    this.lastPollMs = nowMs;
    this.poll(Feed.Policy, this.cfg.enforcement.policyPath, this.policyEtag);
    this.poll(Feed.DenyList, this.cfg.enforcement.denylistPath, this.denyEtag);
  }

  private poll(feed: Feed, path: string, etag: string): void {
    if (this.inflight[feed]) return;
    const headers = etag.length > 0 ? [pair("if-none-match", etag)] : [];
    const call = new PollCall(this.root, this, feed);
    if (callTme(this.cfg, "GET", path, headers, 0, 0, POLL_TIMEOUT_MS, call)) {
      this.inflight[feed] = true;
    }
  }

  received(feed: Feed, reply: CalloutReply): void {
    this.inflight[feed] = false;
    if (reply.status == 304) return;
    if (reply.status != 200) {
      // No policy served (404) or the TME is away: keep what we have.
      if (reply.status != 404) {
        this.metrics.pollFailures.increment(1);
        this.warn(
          reply.status == 0 ? "polling the TME failed (unreachable or timed out)" : "polling the TME answered " + reply.status.toString(),
        );
      }
      return;
    }
    const text = String.UTF8.decode(reply.body);
    if (feed == Feed.Policy) {
      const parsed = parsePolicy(text);
      const p = parsed.policy;
      if (p === null) {
        this.metrics.policyRejected.increment(1);
        this.warn("policy from the TME rejected, keeping revision " + this.policy.revision.toString() + ": " + parsed.error);
        return;
      }
      this.policy = p;
      this.detectOptions = detectOptionsOf(p, this.cfg.enforcement.inspectBodySize);
      this.policyEtag = reply.etag;
      this.metrics.setGauge(this.metrics.policyRevision, p.revision);
    } else {
      const parsed = parseDenyList(text);
      const list = parsed.list;
      if (list === null) {
        this.warn("deny list from the TME rejected: " + parsed.error);
        return;
      }
      this.denyList = list;
      this.denyEtag = reply.etag;
      this.metrics.setGauge(this.metrics.denylistEntries, list.size);
    }
  }

  private warn(message: string): void {
    const now = this.lastPollMs;
    if (now - this.warnedAtMs < 10000 && this.warnedAtMs != 0) return;
    this.warnedAtMs = now;
    log(LogLevelValues.warn, "gatewarden: " + message);
  }
}
