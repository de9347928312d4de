// The proxy-wasm lifecycle: a root context per worker (configuration, batching, ticks) and a stream
// context per HTTP exchange (capture). Everything else is delegated to pure modules.
import {
  RootContext, Context, log, LogLevelValues, FilterHeadersStatusValues, FilterDataStatusValues,
  FilterTrailersStatusValues, HeaderMapTypeValues, BufferTypeValues, set_tick_period_milliseconds,
} from "@solo-io/proxy-runtime/assembly/runtime";
import { Config, parseConfig } from "./config";
import { FilterMetrics } from "./metrics";
import { MODULE_VERSION } from "./version";
import { Exchange, writeRecord } from "./capture/exchange";
import { HeaderList } from "./capture/headers";
import { BodyCapture } from "./capture/body";
import { isCapturedContentType } from "./capture/content-type";
import { parseAddress } from "./capture/address";
import { Reporter } from "./report/reporter";
import { bufferBytes, headerPairs, nowNanos, propertyInt, propertyString } from "./host/abi";

const TICK_MS: u32 = 100;

export class GatewardenRoot extends RootContext {
  config: Config = new Config();
  metrics: FilterMetrics | null = null;
  reporter: Reporter | null = null;

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
    set_tick_period_milliseconds(TICK_MS);
    return true;
  }

  onTick(): void {
    const reporter = this.reporter;
    if (reporter === null) return;
    reporter.batcher.flushDue(nowNanos() / 1000000);
    reporter.pump();
  }

  createContext(context_id: u32): Context {
    return new CaptureStream(context_id, this);
  }

  /** Encodes a finished exchange into the open batch; called from the stream's onLog. */
  record(ex: Exchange): void {
    const reporter = this.reporter;
    const metrics = this.metrics;
    if (reporter === null || metrics === null) return;
    const w = reporter.batcher.begin(nowNanos() / 1000000);
    writeRecord(w, ex, this.config.serviceName, MODULE_VERSION);
    reporter.batcher.end();
    metrics.captured.increment(1);
    if (reporter.batcher.waiting > 0) reporter.pump();
  }
}

class CaptureStream extends Context {
  private readonly root: GatewardenRoot;
  private readonly ex: Exchange = new Exchange();

  constructor(context_id: u32, root: GatewardenRoot) {
    super(context_id, root);
    this.root = root;
  }

  private bodyCaptureFor(headers: HeaderList): BodyCapture | null {
    const cfg = this.root.config;
    if (!isCapturedContentType(headers.get("content-type"), cfg.allowedContentTypes)) return null;
    return new BodyCapture(cfg.bodyCaptureSize);
  }

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const ex = this.ex;
    ex.startNanos = nowNanos();
    ex.requestHeaders = new HeaderList(headerPairs(HeaderMapTypeValues.RequestHeaders));
    ex.requestBody = this.bodyCaptureFor(ex.requestHeaders);
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(length: usize, end_of_stream: bool): FilterDataStatusValues {
    const body = this.ex.requestBody;
    if (body !== null) captureChunk(body, BufferTypeValues.HttpRequestBody, <i32>length);
    return FilterDataStatusValues.Continue;
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
    ex.id = ex.requestHeaders.get("x-request-id");
    if (ex.id.length == 0) ex.id = propertyString("request\0id");
    const client = parseAddress(propertyString("source\0address"));
    ex.clientAddress = client.address;
    ex.clientPort = client.port;
    ex.protocol = propertyString("request\0protocol");
    ex.fallbackStatus = <i32>propertyInt("response\0code");
    const metrics = this.root.metrics;
    if (metrics !== null) {
      const req = ex.requestBody;
      const res = ex.responseBody;
      if (req !== null && req.truncated) metrics.truncatedBodies.increment(1);
      if (res !== null && res.truncated) metrics.truncatedBodies.increment(1);
    }
    this.root.record(ex);
  }
}

function captureChunk(body: BodyCapture, buffer: BufferTypeValues, length: i32): void {
  body.size += <u64>length;
  const want = length < body.room() ? length : body.room();
  if (want > 0) body.append(bufferBytes(buffer, 0, <u32>want));
}
