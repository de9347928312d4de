// How a request is decided, in one place: deny list → rules → rate limits → attack detection on the
// head, then on the held body. Pure: the deny list and the rate-limit counters are reached through a
// DecideHost, so the filter (proxy shared data) and the host-independent engine (in-memory counters,
// used by the TME's ext_proc and ext_authz servers) run exactly this sequence.
import { HeaderList } from "../http/headers";
import { blockingStatus } from "../config";
import { DetectOptions, RequestView } from "../detect/types";
import { bodyInspected, inspectBody, inspectHead } from "../detect/engine";
import { Action, Policy, RateLimit } from "./model";
import { RequestFacts, clientAddress, evaluateRules, factsClientIp, hostOf, matches, rateKey } from "./evaluate";
import { Verdict } from "./verdict";

/** What deciding needs from its host: shared state that pure code cannot hold. */
export class DecideHost {
  /** True when the client (its address, or its key header) is on the deny list. */
  denied(f: RequestFacts): bool {
    return false;
  }

  /**
   * Counts one request against `limit` for `key`; returns the count in the current window, or 0 when
   * it could not be counted (the request is then not limited).
   */
  count(limit: RateLimit, key: string): u32 {
    return 0;
  }
}

/** The facts rules look at, from the request headers (with pseudo-headers) and the peer address. */
export function requestFacts(headers: HeaderList, peer: string, trustedHops: i32): RequestFacts {
  const f = new RequestFacts();
  f.method = headers.get(":method");
  f.host = hostOf(headers.get(":authority"));
  const path = headers.get(":path");
  const q = path.indexOf("?");
  f.path = q < 0 ? path : path.substring(0, q);
  f.query = q < 0 ? "" : path.substring(q + 1);
  f.headers = headers;
  factsClientIp(f, clientAddress(peer, headers, trustedHops));
  return f;
}

/** The detection options under a policy; null when the policy turns detection off. */
export function detectOptionsOf(policy: Policy, maxBodyBytes: i32): DetectOptions | null {
  const d = policy.detection;
  if (d === null) return null;
  const o = new DetectOptions();
  o.categories = d.categories;
  o.headers = d.headers;
  o.maxBodyBytes = maxBodyBytes;
  return o;
}

/** What detection reads of a request. */
export function requestView(f: RequestFacts): RequestView {
  const view = new RequestView();
  view.method = f.method;
  view.path = f.path;
  view.query = f.query;
  view.headers = f.headers;
  view.contentType = f.headers.get("content-type").toLowerCase();
  return view;
}

/** Deny list, rules, rate limits: the first verdict that applies, or null. */
export function decideRules(policy: Policy, f: RequestFacts, host: DecideHost): Verdict | null {
  if (host.denied(f)) return Verdict.of(Action.Block, "denylist", "denylist");
  let ruled = evaluateRules(policy, f);
  if (ruled.action == Action.Allow || ruled.action == Action.Block) return ruled;
  for (let i = 0; i < policy.rateLimits.length; i++) {
    const rl = policy.rateLimits[i];
    const m = rl.match;
    if (m !== null && !matches(m, f)) continue;
    const key = rateKey(rl, f);
    if (key.length == 0) continue;
    if (host.count(rl, key) > rl.requests) {
      const v = Verdict.of(rl.action, rl.id, "ratelimit");
      v.status = rl.statusCode;
      if (rl.action == Action.Block) return v;
      if (ruled.action == Action.None) ruled = v;
    }
  }
  return ruled.action == Action.None ? null : ruled;
}

/** The decision on a request's head. */
export class HeadDecision {
  /** The verdict to record (block, monitor or allow), or null. */
  verdict: Verdict | null = null;
  blocked: bool = false;
  /** Detection wants the body: the caller holds it (when it captures it) and calls decideBody. */
  inspectBody: bool = false;
  /** Set when detection ran; decideBody reads the same view. */
  view: RequestView | null = null;
}

/**
 * Deny list, rules and rate limits, then detection on the path, query, headers and cookies. An
 * `allow` rule ends the decision; a `monitor` verdict is kept while detection goes on; a detection
 * block replaces it.
 */
export function decideHead(policy: Policy, f: RequestFacts, opts: DetectOptions | null, host: DecideHost): HeadDecision {
  const d = new HeadDecision();
  const ruled = decideRules(policy, f, host);
  if (ruled !== null) {
    d.verdict = ruled;
    if (ruled.action == Action.Block) {
      d.blocked = true;
      return d;
    }
    if (ruled.action == Action.Allow) return d;
  }
  const det = policy.detection;
  if (opts === null || det === null) return d;
  const view = requestView(f);
  d.view = view;
  const found = inspectHead(view, opts);
  if (found !== null) {
    const v = Verdict.ofFinding(found, det.action);
    if (d.verdict === null) d.verdict = v;
    if (v.action == Action.Block) {
      d.verdict = v;
      d.blocked = true;
      return d;
    }
  }
  d.inspectBody = bodyInspected(view.contentType);
  return d;
}

/**
 * Detection on the held body (`view.bodyPtr`/`bodyLen`, at most opts.maxBodyBytes are read). Returns
 * the verdict to record from now on: the finding when there was none yet or when it blocks, else
 * `prior`.
 */
export function decideBody(policy: Policy, view: RequestView, opts: DetectOptions | null, prior: Verdict | null): Verdict | null {
  const det = policy.detection;
  if (opts === null || det === null) return prior;
  const found = inspectBody(view, opts);
  if (found === null) return prior;
  const v = Verdict.ofFinding(found, found.monitorOnly ? Action.Monitor : det.action);
  return prior === null || v.action == Action.Block ? v : prior;
}

/** The status of the blocking reply: the verdict's, else the policy's, else the configured one. */
export function replyStatus(v: Verdict, policy: Policy, configuredStatus: i32): i32 {
  let status = v.status;
  if (status == 0) status = policy.blockingStatusCode != 0 ? policy.blockingStatusCode : configuredStatus;
  return v.category == "ratelimit" ? status : blockingStatus(status);
}

/** The text of the blocking reply: `message` when given, else by status, policy and configuration. */
export function replyMessage(v: Verdict, status: i32, policy: Policy, configuredMessage: string, message: string): string {
  let text =
    message.length > 0
      ? message
      : status == 429
        ? "Too Many Requests"
        : policy.blockingMessage.length > 0
          ? policy.blockingMessage
          : configuredMessage;
  if (policy.revealRule) text += " (rule " + v.rule + ")";
  return text;
}
