// The proxy-wasm lifecycle: a root context per worker (configuration, policy, batching, ticks) and a
// stream context per HTTP exchange (verdict, then capture). Decisions and encodings are delegated to
// pure modules; this file only sequences them against the host.
import {
  RootContext, Context, log, LogLevelValues, FilterHeadersStatusValues, FilterDataStatusValues,
  FilterTrailersStatusValues, HeaderMapTypeValues, BufferTypeValues, set_tick_period_milliseconds,
  continue_request,
} from "@solo-io/proxy-runtime/assembly/runtime";
import { Config, parseConfig, blockingStatus } from "./config";
import { FilterMetrics } from "./metrics";
import { MODULE_VERSION } from "./version";
import { Exchange, writeRecord } from "./capture/exchange";
import { HeaderList } from "./capture/headers";
import { BodyCapture } from "./capture/body";
import { isCapturedContentType } from "./capture/content-type";
import { parseAddress } from "./capture/address";
import { Reporter } from "./report/reporter";
import { Control } from "./enforce/control";
import { countRequest } from "./enforce/ratelimit";
import { sendReply } from "./enforce/reply";
import { parseCheckAnswer } from "./enforce/check";
import { Action } from "./policy/model";
import { Verdict } from "./policy/verdict";
import { RequestFacts, clientAddress, evaluateRules, factsClientIp, hostOf, matches, rateKey } from "./policy/evaluate";
import { ByteBuffer } from "./json/bytes";
import { JsonWriter } from "./json/writer";
import { Callout, CalloutReply, callTme, pair } from "./host/callout";
import { RequestView } from "./detect/types";
import { bodyKind, inspectBody, inspectHead } from "./detect/engine";
import { PropertyPath, bufferBytes, headerPairs, nowNanos, propertyInt, propertyString } from "./host/abi";

const TICK_MS: u32 = 100;
const REQUEST_ID = new PropertyPath("request\0id");
const SOURCE_ADDRESS = new PropertyPath("source\0address");
const REQUEST_PROTOCOL = new PropertyPath("request\0protocol");
const RESPONSE_CODE = new PropertyPath("response\0code");

@inline function nowMs(): u64 {
  return nowNanos() / 1000000;
}

export class GatewardenRoot extends RootContext {
  config: Config = new Config();
  metrics: FilterMetrics | null = null;
  reporter: Reporter | null = null;
  control: Control | null = null;

  onConfigure(configuration_size: u32): bool {
    super.onConfigure(configuration_size);
    const parsed = parseConfig(this.getConfiguration());
    for (let i = 0; i < parsed.warnings.length; i++) log(LogLevelValues.warn, "gatewarden: configuration: " + parsed.warnings[i]);
    const cfg = parsed.config;
    if (cfg === null) {
      log(LogLevelValues.critical, "gatewarden: invalid configuration: " + parsed.error);
      return false;
    }
    this.config = cfg;
    const metrics = new FilterMetrics();
    this.metrics = metrics;
    this.reporter = new Reporter(this, cfg, metrics);
    this.control = new Control(this, cfg, metrics);
    set_tick_period_milliseconds(TICK_MS);
    return true;
  }

  onTick(): void {
    const reporter = this.reporter;
    const control = this.control;
    if (reporter === null || control === null) return;
    const now = nowMs();
    reporter.batcher.flushDue(now);
    reporter.pump();
    control.tick(now);
    const metrics = this.metrics;
    if (metrics !== null) metrics.setGauge(metrics.wasmMemory, <i64>memory.size() << 16);
  }

  createContext(context_id: u32): Context {
    return new GatewardenStream(context_id, this);
  }

  /** Encodes a finished exchange into the open batch; called from the stream's onLog. */
  record(ex: Exchange): void {
    const reporter = this.reporter;
    const metrics = this.metrics;
    if (reporter === null || metrics === null) return;
    const w = reporter.batcher.begin(nowMs());
    writeRecord(w, ex, this.config.serviceName, MODULE_VERSION);
    reporter.batcher.end();
    metrics.captured.increment(1);
    if (reporter.batcher.waiting > 0) reporter.pump();
  }
}

/** The TME's answer to a synchronous check, delivered in the waiting stream's context. */
class CheckCall extends Callout {
  constructor(root: GatewardenRoot, public stream: GatewardenStream) {
    super(root, stream.context_id);
  }

  done(reply: CalloutReply): void {
    this.stream.checkAnswered(reply);
  }
}

class GatewardenStream extends Context {
  private readonly root: GatewardenRoot;
  private readonly ex: Exchange = new Exchange();
  private facts: RequestFacts = new RequestFacts();
  /** The body is held (StopIterationAndBuffer) until it ends or reaches bodyCaptureSize. */
  private holdForBody: bool = false;
  /** A synchronous check waits for the body before it is sent. */
  private checkAfterBody: bool = false;
  /** The body is inspected for attacks once held. */
  private inspectBodyHeld: bool = false;
  private view: RequestView | null = null;
  private replied: bool = false;

  constructor(context_id: u32, root: GatewardenRoot) {
    super(context_id, root);
    this.root = root;
  }

  private bodyCaptureFor(contentType: string): BodyCapture | null {
    const cfg = this.root.config;
    if (!isCapturedContentType(contentType, cfg.allowedContentTypes)) return null;
    return new BodyCapture(cfg.bodyCaptureSize);
  }

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const ex = this.ex;
    const root = this.root;
    ex.startNanos = nowNanos();
    const headers = new HeaderList(headerPairs(HeaderMapTypeValues.RequestHeaders));
    ex.requestHeaders = headers;
    const contentType = headers.get("content-type");
    ex.requestBody = this.bodyCaptureFor(contentType);
    ex.id = headers.get("x-request-id");
    if (ex.id.length == 0) ex.id = propertyString(REQUEST_ID);
    const peer = parseAddress(propertyString(SOURCE_ADDRESS));
    ex.clientAddress = peer.address;
    ex.clientPort = peer.port;

    const control = root.control;
    if (control === null) return FilterHeadersStatusValues.Continue;
    const policy = control.policy;
    const f = this.facts;
    f.method = headers.get(":method");
    f.host = hostOf(headers.get(":authority"));
    const path = headers.get(":path");
    const q = path.indexOf("?");
    f.path = q < 0 ? path : path.substring(0, q);
    f.query = q < 0 ? "" : path.substring(q + 1);
    f.headers = headers;
    factsClientIp(f, clientAddress(peer.address, headers, policy.trustedHops));

    const verdict = this.decideHead(control);
    if (verdict !== null) {
      ex.verdict = verdict;
      if (verdict.action == Action.Block) {
        this.block(verdict, "");
        return FilterHeadersStatusValues.StopIteration;
      }
      if (verdict.action == Action.Allow) return FilterHeadersStatusValues.Continue;
    }

    const detected = this.detectHead(control, contentType);
    if (detected !== null) {
      if (ex.verdict === null) ex.verdict = detected;
      if (detected.action == Action.Block) {
        ex.verdict = detected;
        this.block(detected, "");
        return FilterHeadersStatusValues.StopIteration;
      }
    }

    const expectsBody = !end_of_stream && ex.requestBody !== null && root.config.bodyCaptureSize > 0;
    const view = this.view;
    if (expectsBody && view !== null && bodyKind(view.contentType) != 0) {
      this.holdForBody = true;
      this.inspectBodyHeld = true;
    }
    const check = policy.syncCheck;
    const checkMatch = check.match;
    const wantsCheck = checkMatch !== null && matches(checkMatch, f);
    // Body callbacks only come while headers continue (the host turns a headers StopIteration into
    // "stop all"), so a request held for its body lets its headers go on and its body wait here.
    if (wantsCheck && check.includeBody && expectsBody) {
      this.holdForBody = true;
      this.checkAfterBody = true;
      return FilterHeadersStatusValues.Continue;
    }
    if (wantsCheck && this.holdForBody) {
      // The body is held for detection anyway: ask after it, so that a body verdict comes first.
      this.checkAfterBody = true;
      return FilterHeadersStatusValues.Continue;
    }
    if (wantsCheck && !this.startCheck()) {
      return this.checkFailed() ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
    }
    if (wantsCheck) return FilterHeadersStatusValues.StopIteration;
    return FilterHeadersStatusValues.Continue;
  }

  /** Attack detection on the path, query, headers and cookies; null when clean or detection is off. */
  private detectHead(control: Control, contentType: string): Verdict | null {
    const opts = control.detectOptions;
    const policy = control.policy;
    const det = policy.detection;
    if (opts === null || det === null) return null;
    const f = this.facts;
    const view = new RequestView();
    view.method = f.method;
    view.path = f.path;
    view.query = f.query;
    view.headers = f.headers;
    view.contentType = contentType.toLowerCase();
    this.view = view;
    const found = inspectHead(view, opts);
    return found === null ? null : Verdict.ofFinding(found, det.action);
  }

  /** Deny list, rules, rate limits: the first verdict that applies, or null. */
  private decideHead(control: Control): Verdict | null {
    const f = this.facts;
    const policy = control.policy;
    const now = nowMs();
    const denyList = control.denyList;
    if (denyList.size > 0 && denyList.deniedUntil(f.clientIp, f.headers.get(denyList.keyHeader), now) > 0) {
      return Verdict.of(Action.Block, "denylist", "denylist");
    }
    let ruled = evaluateRules(policy, f);
    if (ruled.action == Action.Allow || ruled.action == Action.Block) return ruled;
    for (let i = 0; i < policy.rateLimits.length; i++) {
      const rl = policy.rateLimits[i];
      const m = rl.match;
      if (m !== null && !matches(m, f)) continue;
      const key = rateKey(rl, f);
      if (key.length == 0) continue;
      if (countRequest(rl, key, now) > rl.requests) {
        const v = Verdict.of(rl.action, rl.id, "ratelimit");
        v.status = rl.statusCode;
        if (rl.action == Action.Block) return v;
        if (ruled.action == Action.None) ruled = v;
      }
    }
    return ruled.action == Action.None ? null : ruled;
  }

  onRequestBody(length: usize, end_of_stream: bool): FilterDataStatusValues {
    const body = this.ex.requestBody;
    if (this.replied) return FilterDataStatusValues.StopIterationNoBuffer;
    if (!this.holdForBody || body === null) {
      if (body !== null) captureChunk(body, BufferTypeValues.HttpRequestBody, <i32>length);
      return FilterDataStatusValues.Continue;
    }
    // Held: Envoy buffers until the body ends or reaches the capture limit; then it is decided once.
    if (!end_of_stream && <i32>length < body.limit) return FilterDataStatusValues.StopIterationAndBuffer;
    this.holdForBody = false;
    body.size = <u64>length;
    const want = <i32>length < body.limit ? <i32>length : body.limit;
    if (want > 0) body.append(bufferBytes(BufferTypeValues.HttpRequestBody, 0, <u32>want));
    if (this.inspectBodyHeld) {
      this.inspectBodyHeld = false;
      const blocked = this.detectBody(body);
      if (blocked) return FilterDataStatusValues.StopIterationNoBuffer;
    }
    if (this.checkAfterBody) {
      this.checkAfterBody = false;
      if (this.startCheck()) return FilterDataStatusValues.StopIterationAndBuffer;
      return this.checkFailed() ? FilterDataStatusValues.Continue : FilterDataStatusValues.StopIterationNoBuffer;
    }
    return FilterDataStatusValues.Continue;
  }

  /** Inspects the held body; true when it was blocked (the reply is sent). */
  private detectBody(body: BodyCapture): bool {
    const control = this.root.control;
    const view = this.view;
    if (control === null || view === null) return false;
    const opts = control.detectOptions;
    const det = control.policy.detection;
    if (opts === null || det === null) return false;
    view.bodyPtr = body.data.dataStart;
    view.bodyLen = body.data.length;
    const found = inspectBody(view, opts);
    view.bodyPtr = 0;
    view.bodyLen = 0;
    if (found === null) return false;
    const v = Verdict.ofFinding(found, det.action);
    const ex = this.ex;
    if (ex.verdict === null || v.action == Action.Block) ex.verdict = v;
    if (v.action != Action.Block) return false;
    this.block(v, "");
    return true;
  }

  /** Sends the check; false when the proxy refused the call (the caller fails open or closed). */
  private startCheck(): bool {
    const root = this.root;
    const cfg = root.config;
    const out = new ByteBuffer(2048);
    this.ex.durationNanos = 0;
    writeRecord(new JsonWriter(out), this.ex, cfg.serviceName, MODULE_VERSION);
    const call = new CheckCall(root, this);
    return callTme(root, cfg.tmeCluster, "POST", cfg.report.authority, cfg.enforcement.checkPath,
      [pair("content-type", "application/json")], out.toArrayBuffer(), cfg.requestHandleTimeoutMs, call);
  }

  checkAnswered(reply: CalloutReply): void {
    if (reply.status != 200) {
      if (this.checkFailed()) continue_request();
      return;
    }
    const answer = parseCheckAnswer(String.UTF8.decode(reply.body));
    const verdict = answer.verdict;
    if (verdict === null) {
      if (this.checkFailed()) continue_request();
      return;
    }
    if (verdict.action != Action.Allow || this.ex.verdict === null) this.ex.verdict = verdict;
    if (verdict.action == Action.Block) {
      this.block(verdict, answer.message);
      return;
    }
    continue_request();
  }

  /**
   * Counts a failed check and refuses the request unless allowFailureMode; true when the request
   * may go on (the caller continues it: from a callback by returning Continue, else continue_request).
   */
  private checkFailed(): bool {
    const root = this.root;
    const metrics = root.metrics;
    if (metrics !== null) metrics.checkFailures.increment(1);
    if (root.config.allowFailureMode) {
      if (metrics !== null) metrics.checkFailOpen.increment(1);
      return true;
    }
    if (metrics !== null) metrics.checkFailClosed.increment(1);
    const v = Verdict.of(Action.Block, "check-failed", "check");
    v.status = root.config.enforcement.failureStatusCode;
    this.ex.verdict = v;
    this.replied = true;
    sendReply(v.status, "Service Unavailable", this.ex.id, "gatewarden_check_failed");
    return false;
  }

  private block(v: Verdict, message: string): void {
    const cfg = this.root.config;
    const control = this.root.control;
    const policy = control !== null ? control.policy : cfg.policy;
    let status = v.status;
    if (status == 0) status = policy.blockingStatusCode != 0 ? policy.blockingStatusCode : cfg.blockingStatusCode;
    status = v.category == "ratelimit" ? status : blockingStatus(status);
    let text = message.length > 0 ? message : (status == 429 ? "Too Many Requests" : (policy.blockingMessage.length > 0 ? policy.blockingMessage : cfg.blockingMessage));
    if (policy.revealRule) text += " (rule " + v.rule + ")";
    this.replied = true;
    sendReply(status, text, this.ex.id, "gatewarden_blocked");
  }

  onRequestTrailers(count: u32): FilterTrailersStatusValues {
    this.ex.requestTrailers = new HeaderList(headerPairs(HeaderMapTypeValues.RequestTrailers));
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const ex = this.ex;
    ex.responseHeaders = new HeaderList(headerPairs(HeaderMapTypeValues.ResponseHeaders));
    ex.responseBody = this.bodyCaptureFor(ex.responseHeaders.get("content-type"));
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(length: usize, end_of_stream: bool): FilterDataStatusValues {
    const body = this.ex.responseBody;
    if (body !== null) captureChunk(body, BufferTypeValues.HttpResponseBody, <i32>length);
    return FilterDataStatusValues.Continue;
  }

  onResponseTrailers(count: u32): FilterTrailersStatusValues {
    this.ex.responseTrailers = new HeaderList(headerPairs(HeaderMapTypeValues.ResponseTrailers));
    return FilterTrailersStatusValues.Continue;
  }

  onLog(): void {
    const ex = this.ex;
    if (ex.startNanos == 0) return; // the stream never reached the request headers
    ex.durationNanos = nowNanos() - ex.startNanos;
    ex.protocol = propertyString(REQUEST_PROTOCOL);
    ex.fallbackStatus = <i32>propertyInt(RESPONSE_CODE);
    const metrics = this.root.metrics;
    if (metrics !== null) {
      const req = ex.requestBody;
      const res = ex.responseBody;
      if (req !== null && req.truncated) metrics.truncatedBodies.increment(1);
      if (res !== null && res.truncated) metrics.truncatedBodies.increment(1);
      const v = ex.verdict;
      if (v !== null) metrics.verdict(v.action, v.category);
    }
    this.root.record(ex);
  }
}

function captureChunk(body: BodyCapture, buffer: BufferTypeValues, length: i32): void {
  body.size += <u64>length;
  const want = length < body.room() ? length : body.room();
  if (want > 0) body.append(bufferBytes(buffer, 0, <u32>want));
}
