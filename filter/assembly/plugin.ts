// The proxy-wasm lifecycle: a root context per worker (configuration, policy, batching, ticks) and a
// stream context per HTTP exchange (verdict, then capture). Decisions and encodings are delegated to
// pure modules; this file only sequences them against the host.
import {
  log,
  LogLevelValues,
  FilterHeadersStatusValues,
  FilterDataStatusValues,
  FilterTrailersStatusValues,
  HeaderMapTypeValues,
  BufferTypeValues,
  set_tick_period_milliseconds,
  continue_request,
} from "@solo-io/proxy-runtime/assembly/runtime";
import { Config, parseConfig } from "./config";
import { FilterMetrics } from "./metrics";
import { MODULE_VERSION } from "./version";
import { Exchange, RecordMarks, writeRecord } from "./capture/exchange";
import { HeaderList } from "./http/headers";
import { BodyCapture } from "./capture/body";
import { hasContentCoding, isCapturedContentType } from "./capture/content-type";
import { parseAddress } from "./capture/address";
import { Reporter } from "./report/reporter";
import { Control } from "./enforce/control";
import { countRequest } from "./enforce/ratelimit";
import { sendReply } from "./enforce/reply";
import { parseCheckAnswer } from "./enforce/check";
import { Action, RateLimit } from "./policy/model";
import { Verdict } from "./policy/verdict";
import { RequestFacts, clientAddress, matches } from "./policy/evaluate";
import { DecideHost, decideBody, decideHead, replyMessage, replyStatus, requestFacts } from "./policy/decide";
import { ByteBuffer } from "./json/bytes";
import { JsonWriter } from "./json/writer";
import { Callout, CalloutReply, callTme, pair } from "./host/callout";
import { FilterRoot, Stream } from "./host/stream";
import { RequestView } from "./detect/types";
import { PropertyPath, bufferBytes, headerPairs, nowNanos, propertyInt, propertyString } from "./host/abi";
import { HeldFor, Phase, canEnter, phaseName } from "./lifecycle";

const TICK_MS: u32 = 100;
const REQUEST_ID = new PropertyPath("request\0id");
const SOURCE_ADDRESS = new PropertyPath("source\0address");
const REQUEST_PROTOCOL = new PropertyPath("request\0protocol");
const RESPONSE_CODE = new PropertyPath("response\0code");

function nowMs(): u64 {
  return nowNanos() / 1000000;
}

export class GatewardenRoot extends FilterRoot {
  config: Config = new Config();
  metrics: FilterMetrics | null = null;
  reporter: Reporter | null = null;
  control: Control | null = null;
  readonly decideHost: FilterDecideHost = new FilterDecideHost(this);
  /** The linear memory (64 KiB pages) last logged. */
  private loggedPages: i32 = 0;

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
    const metrics = this.metrics;
    if (metrics !== null) metrics.flushExchangeCounts();
    reporter.pump();
    control.tick(now);
    const pages = memory.size();
    if (metrics !== null) metrics.setGauge(metrics.wasmMemory, (<i64>pages) << 16);
    // Linear memory only grows, by doublings: one line per worker each time it does. The gauge shows
    // the last worker to tick; Envoy's log names the thread, so this line gives each worker's heap.
    if (pages != this.loggedPages) {
      this.loggedPages = pages;
      log(LogLevelValues.info, "gatewarden: Wasm memory " + (pages << 16).toString() + " bytes");
    }
  }

  newStream(id: u32): Stream {
    return new GatewardenStream(id, this);
  }

  /** Encodes a finished exchange into the open batch; called from the stream's onLog. */
  record(ex: Exchange): void {
    const reporter = this.reporter;
    const metrics = this.metrics;
    if (reporter === null || metrics === null) return;
    // The exchange ended just now: its end time is the batch clock, no second host call.
    // An exchange with a verdict is always reported in full, and takes no share of the sample.
    const full = ex.verdict !== null || reporter.sampler.keep();
    const w = reporter.batcher.begin((ex.startNanos + ex.durationNanos) / 1000000);
    writeRecord(w, ex, this.config.serviceName, MODULE_VERSION, this.config.redaction, full);
    reporter.batcher.end(RecordMarks.response, RecordMarks.verdict);
    metrics.captured.add(1);
    if (!full) metrics.sampledOut.add(1);
    if (reporter.batcher.waiting > 0) {
      metrics.flushExchangeCounts();
      reporter.pump();
    }
  }
}

/** The deny list this worker polled, and rate-limit counters in the proxy's shared data. */
class FilterDecideHost extends DecideHost {
  nowMs: u64 = 0;

  constructor(private root: GatewardenRoot) {
    super();
  }

  denied(f: RequestFacts): bool {
    const control = this.root.control;
    if (control === null) return false;
    const list = control.denyList;
    return list.size > 0 && list.deniedUntil(f.clientIp, f.headers.get(list.keyHeader), this.nowMs) > 0;
  }

  count(limit: RateLimit, key: string): u32 {
    return countRequest(limit, key, this.nowMs);
  }
}

/** The TME's answer to a synchronous check, delivered in the waiting stream's context. */
class CheckCall extends Callout {
  constructor(public stream: GatewardenStream) {
    super(stream.id);
  }

  done(reply: CalloutReply): void {
    this.stream.checkAnswered(reply);
  }
}

class GatewardenStream extends Stream {
  private readonly root: GatewardenRoot;
  private readonly ex: Exchange = new Exchange();
  /** Where the request is (lifecycle.ts); changed only by `enter`. */
  private phase: Phase = Phase.Passing;
  /** While HoldingBody: what the held body is for (HeldFor bits). */
  private heldFor: u8 = 0;
  /**
   * The held body detection reads when the capture cannot serve (a content type allowedContentTypes
   * leaves out, or inspectBodySize above bodyCaptureSize): its bytes never reach the record.
   */
  private inspected: BodyCapture | null = null;
  private view: RequestView | null = null;

  constructor(id: u32, root: GatewardenRoot) {
    super(id);
    this.root = root;
  }

  /** Moves to `next` when the lifecycle allows it; false (and nothing changes) when it does not. */
  private enter(next: Phase): bool {
    if (!canEnter(this.phase, next)) {
      log(
        LogLevelValues.debug,
        "gatewarden: stream " + this.id.toString() + ": " + phaseName(this.phase) + " -> " + phaseName(next) + " refused",
      );
      return false;
    }
    this.phase = next;
    return true;
  }

  private bodyCaptureFor(headers: HeaderList): BodyCapture | null {
    const cfg = this.root.config;
    // A compressed body would never be written (exchange.ts): not worth buffering.
    if (!isCapturedContentType(headers, cfg.allowedContentTypes) || hasContentCoding(headers)) return null;
    return new BodyCapture(cfg.bodyCaptureSize, declaredLength(headers));
  }

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const ex = this.ex;
    const root = this.root;
    ex.startNanos = nowNanos();
    const headers = new HeaderList(headerPairs(HeaderMapTypeValues.RequestHeaders));
    ex.requestHeaders = headers;
    ex.requestBody = this.bodyCaptureFor(headers);
    ex.id = headers.get("x-request-id");
    if (ex.id.length == 0) ex.id = propertyString(REQUEST_ID);
    const peer = parseAddress(propertyString(SOURCE_ADDRESS));
    const control = root.control;
    // The record carries the client the policy decides on (trusted hops applied), so that the TME's
    // auto-deny and checks key on it, and the TCP peer beside it.
    const trustedHops = control === null ? root.config.policy.trustedHops : control.policy.trustedHops;
    ex.clientAddress = clientAddress(peer.address, headers, trustedHops);
    ex.clientPeer = peer.address;
    ex.clientPort = ex.clientAddress == peer.address ? peer.port : 0;

    if (control === null) return FilterHeadersStatusValues.Continue;
    const policy = control.policy;
    // Capture only: skip building the request's facts.
    if (policy.inert && control.denyList.size == 0) return FilterHeadersStatusValues.Continue;
    const f = requestFacts(headers, peer.address, policy.trustedHops);
    const host = root.decideHost;
    host.nowMs = ex.startNanos / 1000000;
    const decision = decideHead(policy, f, control.detectOptions, host);
    const verdict = decision.verdict;
    ex.verdict = verdict;
    if (verdict !== null && decision.blocked) {
      this.block(verdict, "");
      return FilterHeadersStatusValues.StopIteration;
    }
    if (verdict !== null && verdict.action == Action.Allow) return FilterHeadersStatusValues.Continue;
    this.view = decision.view;

    const captured = ex.requestBody;
    const inspectSize = root.config.enforcement.inspectBodySize;
    let heldFor: u8 = 0;
    if (!end_of_stream && decision.inspectBody && inspectSize > 0) {
      heldFor = HeldFor.Detection;
      // Read from the capture when it keeps enough, else from a buffer of its own.
      if (captured === null || captured.limit < inspectSize) this.inspected = new BodyCapture(inspectSize, declaredLength(headers));
    }
    const expectsBody = !end_of_stream && captured !== null && root.config.bodyCaptureSize > 0;
    const check = policy.syncCheck;
    const checkMatch = check.match;
    if (checkMatch !== null && matches(checkMatch, f)) {
      // With the body when asked for, and after it whenever it is held for detection anyway, so that a
      // body verdict comes first.
      if ((check.includeBody && expectsBody) || heldFor != 0) heldFor |= HeldFor.Check;
      else return this.startCheck() ? FilterHeadersStatusValues.StopIteration : this.checkFailedStatus();
    }
    if (heldFor == 0) return FilterHeadersStatusValues.Continue;
    this.heldFor = heldFor;
    this.enter(Phase.HoldingBody);
    return this.headersWhileBodyHeld();
  }

  /**
   * Body callbacks only come while headers continue, unless Envoy was told to respect a headers
   * StopIteration (allow_on_headers_stop_iteration, then holdHeadersForBody): otherwise the host turns
   * it into "stop all". So the headers of a request held for its body go ahead or wait by that setting.
   */
  private headersWhileBodyHeld(): FilterHeadersStatusValues {
    return this.root.config.enforcement.holdHeadersForBody ? FilterHeadersStatusValues.StopIteration : FilterHeadersStatusValues.Continue;
  }

  /** A check that could not be sent from the headers: fail open (Continue) or closed (the reply is out). */
  private checkFailedStatus(): FilterHeadersStatusValues {
    return this.checkFailed() ? FilterHeadersStatusValues.Continue : FilterHeadersStatusValues.StopIteration;
  }

  onRequestBody(length: usize, end_of_stream: bool): FilterDataStatusValues {
    const body = this.ex.requestBody;
    switch (this.phase) {
      case Phase.Passing: {
        if (body !== null) captureRange(body, BufferTypeValues.HttpRequestBody, 0, <i32>length);
        return FilterDataStatusValues.Continue;
      }
      case Phase.AwaitingCheck: {
        // The body waits with the request for the answer: the rest of a body the check went out with,
        // or, after a check from the headers, a body only a host that respects a headers StopIteration
        // (allow_on_headers_stop_iteration) hands over. Envoy hands over everything buffered so far each
        // time, so only the bytes not seen yet are captured.
        if (body !== null) captureRange(body, BufferTypeValues.HttpRequestBody, <i32>body.size, <i32>length);
        return FilterDataStatusValues.StopIterationAndBuffer;
      }
      case Phase.HoldingBody:
        return this.heldBody(body, length, end_of_stream);
      default:
        return FilterDataStatusValues.StopIterationNoBuffer;
    }
  }

  /** Envoy buffers a held body until it ends or fills the buffers that read it; then it is decided once. */
  private heldBody(body: BodyCapture | null, length: usize, end_of_stream: bool): FilterDataStatusValues {
    const inspected = this.inspected;
    let holdLimit = body !== null ? body.limit : 0;
    if (inspected !== null && inspected.limit > holdLimit) holdLimit = inspected.limit;
    if (!end_of_stream && <i32>length < holdLimit) return FilterDataStatusValues.StopIterationAndBuffer;
    if (body !== null) captureRange(body, BufferTypeValues.HttpRequestBody, 0, <i32>length);
    if (inspected !== null) captureRange(inspected, BufferTypeValues.HttpRequestBody, 0, <i32>length);
    const heldFor = this.heldFor;
    this.heldFor = 0;
    this.inspected = null;
    if ((heldFor & HeldFor.Detection) != 0 && this.detectBody(inspected !== null ? inspected : body!)) {
      return FilterDataStatusValues.StopIterationNoBuffer;
    }
    if ((heldFor & HeldFor.Check) != 0) {
      if (this.startCheck()) return FilterDataStatusValues.StopIterationAndBuffer;
      if (!this.checkFailed()) return FilterDataStatusValues.StopIterationNoBuffer;
    }
    this.enter(Phase.Passing);
    return FilterDataStatusValues.Continue;
  }

  /** Inspects the held body; true when it was blocked (the reply is sent). */
  private detectBody(body: BodyCapture): bool {
    const control = this.root.control;
    const view = this.view;
    if (control === null || view === null) return false;
    view.bodyPtr = body.data.dataStart;
    view.bodyLen = body.data.length;
    const ex = this.ex;
    const v = decideBody(control.policy, view, control.detectOptions, ex.verdict);
    view.bodyPtr = 0;
    view.bodyLen = 0;
    ex.verdict = v;
    if (v === null || v.action != Action.Block) return false;
    this.block(v, "");
    return true;
  }

  /**
   * Sends the check and waits for it (AwaitingCheck); false when the proxy refused the call (the
   * caller fails open or closed).
   */
  private startCheck(): bool {
    const root = this.root;
    const cfg = root.config;
    const out = new ByteBuffer(2048);
    this.ex.durationNanos = 0;
    // Unredacted: the TME's detection and deny list need the values; the check is not stored.
    writeRecord(new JsonWriter(out), this.ex, cfg.serviceName, MODULE_VERSION, null);
    const call = new CheckCall(this);
    if (
      !callTme(
        cfg,
        "POST",
        cfg.enforcement.checkPath,
        [pair("content-type", "application/json")],
        out.dataStart,
        out.length,
        cfg.requestHandleTimeoutMs,
        call,
      )
    )
      return false;
    return this.enter(Phase.AwaitingCheck);
  }

  onDelete(): void {
    this.enter(Phase.Gone);
  }

  /** The check's answer (or its failure). Only a stream still awaiting it acts on it: not one reset since. */
  checkAnswered(reply: CalloutReply): void {
    if (this.phase != Phase.AwaitingCheck) return;
    if (reply.status != 200) {
      if (this.checkFailed()) this.resume();
      return;
    }
    const answer = parseCheckAnswer(String.UTF8.decode(reply.body));
    const verdict = answer.verdict;
    if (verdict === null) {
      if (this.checkFailed()) this.resume();
      return;
    }
    if (verdict.action != Action.Allow || this.ex.verdict === null) this.ex.verdict = verdict;
    if (verdict.action == Action.Block) {
      this.block(verdict, answer.message);
      return;
    }
    this.resume();
  }

  /** The answer let the request go: out of AwaitingCheck, the host continues it. */
  private resume(): void {
    if (this.enter(Phase.Passing)) continue_request();
  }

  /**
   * Counts a failed check and refuses the request unless allowFailureMode; true when the request
   * may go on (the caller continues it: from a callback by returning Continue, else by resume).
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
    if (this.enter(Phase.Replied)) sendReply(v.status, "Service Unavailable", this.ex.id, "gatewarden_check_failed");
    return false;
  }

  private block(v: Verdict, message: string): void {
    if (!this.enter(Phase.Replied)) return;
    const cfg = this.root.config;
    const control = this.root.control;
    const policy = control !== null ? control.policy : cfg.policy;
    const status = replyStatus(v, policy, cfg.blockingStatusCode);
    sendReply(status, replyMessage(v, status, policy, cfg.blockingMessage, message), this.ex.id, "gatewarden_blocked");
  }

  onRequestTrailers(count: u32): FilterTrailersStatusValues {
    this.ex.requestTrailers = new HeaderList(headerPairs(HeaderMapTypeValues.RequestTrailers));
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const ex = this.ex;
    ex.responseHeaders = new HeaderList(headerPairs(HeaderMapTypeValues.ResponseHeaders));
    ex.responseBody = this.bodyCaptureFor(ex.responseHeaders);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(length: usize, end_of_stream: bool): FilterDataStatusValues {
    const body = this.ex.responseBody;
    if (body !== null) captureRange(body, BufferTypeValues.HttpResponseBody, 0, <i32>length);
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
    // Only a stream that never got response headers needs the status Envoy logged.
    if (!ex.responseHeaders.has(":status")) ex.fallbackStatus = <i32>propertyInt(RESPONSE_CODE);
    const metrics = this.root.metrics;
    if (metrics !== null) {
      const req = ex.requestBody;
      const res = ex.responseBody;
      if (req !== null && req.truncated) metrics.truncatedBodies.increment(1);
      if (res !== null && res.truncated) metrics.truncatedBodies.increment(1);
      const v = ex.verdict;
      if (v !== null) {
        metrics.verdict(v.action, v.category);
        metrics.detection(v);
      }
    }
    this.root.record(ex);
  }
}

/** The content-length, or -1 when absent or not a number (chunked, HTTP/2 without it). */
function declaredLength(headers: HeaderList): i64 {
  const i = headers.indexOf("content-length");
  if (i < 0) return -1;
  const p = headers.valuePtr(i);
  const len = headers.valueLength(i);
  if (len == 0 || len > 15) return -1;
  let n: i64 = 0;
  for (let j = 0; j < len; j++) {
    const d = <i32>load<u8>(p + j) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Captures bytes [from, to) of the body buffer the host shows now, up to the capture limit, and counts
 * them all as passed. A chunk is [0, its length); a buffer Envoy keeps growing is read from the bytes
 * already counted.
 */
function captureRange(body: BodyCapture, buffer: BufferTypeValues, from: i32, to: i32): void {
  if (to <= from) return;
  body.size += <u64>(to - from);
  let want = to - from;
  if (want > body.room()) want = body.room();
  if (want > 0) body.append(bufferBytes(buffer, <u32>from, <u32>want));
}
