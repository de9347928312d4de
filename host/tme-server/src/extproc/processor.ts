// One ext_proc stream: Envoy's messages about one HTTP exchange in, our replies out. It captures the
// exchange (the same record the Wasm filter writes), decides it with the filter's own engine, and
// answers in whatever processing mode Envoy runs:
// - every message Envoy sends is answered in order, except in observability mode, where Envoy waits for
//   nothing and the server must not answer at all;
// - a request body (any body mode) is held only up to bodyCaptureSize: later chunks are counted, not kept;
//   detection runs once the held part is complete (capture limit reached or body ended), as the filter does,
//   whatever the body's content type: one that is not captured is held apart and never recorded;
// - a blocked request gets an immediate_response (status, message, x-request-id), and Envoy stops;
// - a response whose content type is not captured asks Envoy to skip its body (mode_override), which
//   Envoy applies when allow_mode_override is set and ignores otherwise.
import type { Decision, RequestDecider } from '../decide/request-decider.ts';
import {
  BodyCapture,
  Exchange,
  headerValue,
  isCapturedContentType,
  nowNanos,
  parseAddress,
  type HeaderPairs,
} from '../exchange/exchange.ts';

/** Settings shared by every stream. */
export interface ProcessorSettings {
  serviceName: string;
  bodyCaptureSize: number;
  /** Lower-case; a content type is captured when it contains any of them. */
  allowedContentTypes: readonly string[];
}

/** The JSON shape of the proto messages as @grpc/proto-loader gives them (keepCase, oneofs, bytes as Buffer). */
interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer;
}
interface ProtoHeaders {
  headers?: { headers?: HeaderValue[] };
  end_of_stream?: boolean;
}
interface ProtoBody {
  body?: Buffer;
  end_of_stream?: boolean;
}
interface ProtoTrailers {
  trailers?: { headers?: HeaderValue[] };
}
/** google.protobuf.Value: protobufjs's built-in well-known types keep camelCase names. */
interface ProtoValue {
  stringValue?: string;
  numberValue?: number;
  string_value?: string;
  number_value?: number;
}
export interface ProcessingRequest {
  request?: string;
  request_headers?: ProtoHeaders;
  response_headers?: ProtoHeaders;
  request_body?: ProtoBody;
  response_body?: ProtoBody;
  request_trailers?: ProtoTrailers;
  response_trailers?: ProtoTrailers;
  attributes?: Record<string, { fields?: Record<string, ProtoValue> }>;
  observability_mode?: boolean;
}
export type ProcessingResponse = Record<string, unknown>;

/** The ext_proc filter's name: Envoy files the attributes it sends under it. */
const EXT_PROC_FILTER = 'envoy.filters.http.ext_proc';

function headerPairs(map: { headers?: HeaderValue[] } | undefined): HeaderPairs {
  return (map?.headers ?? []).map((h) => [h.key, h.raw_value !== undefined ? h.raw_value.toString('utf8') : (h.value ?? '')]);
}

function attributeText(v: ProtoValue | undefined): string {
  if (v === undefined) return '';
  const text = v.stringValue ?? v.string_value;
  if (typeof text === 'string') return text;
  const n = v.numberValue ?? v.number_value;
  return typeof n === 'number' && Number.isFinite(n) ? String(n) : '';
}

/** Skip a response body we will not capture; trailers still come (they may carry grpc-status). */
const SKIP_RESPONSE_BODY = {
  request_header_mode: 'SKIP',
  response_header_mode: 'SEND',
  request_body_mode: 'NONE',
  response_body_mode: 'NONE',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SEND',
};

export interface ProcessorEvents {
  /** Sends a reply to Envoy (never called in observability mode). */
  reply(message: ProcessingResponse): void;
  /** The exchange is complete (or will not be heard of again): record it. Called once. */
  finished(ex: Exchange, blocked: boolean): void;
}

export class ExchangeProcessor {
  readonly ex = new Exchange();
  private observe = false;
  private done = false;
  private blocked = false;
  /** The request body is held for detection until the capture limit or its end. */
  private holdBody = false;
  /** The held request body when its content type is not captured: inspected, never recorded. */
  private inspected: BodyCapture | undefined;
  private peer = '';

  constructor(
    private readonly settings: ProcessorSettings,
    private readonly decider: RequestDecider,
    private readonly events: ProcessorEvents,
  ) {}

  /** Envoy streams the exchange without waiting for answers (observability_mode). */
  get observing(): boolean {
    return this.observe;
  }

  /** Handles one message from Envoy. */
  onMessage(msg: ProcessingRequest): void {
    if (this.done) return;
    if (msg.observability_mode) this.observe = true;
    this.readAttributes(msg);
    if (msg.request_headers) this.onRequestHeaders(msg.request_headers);
    else if (msg.request_body) this.onRequestBody(msg.request_body);
    else if (msg.request_trailers) this.onRequestTrailers(msg.request_trailers);
    else if (msg.response_headers) this.onResponseHeaders(msg.response_headers);
    else if (msg.response_body) this.onResponseBody(msg.response_body);
    else if (msg.response_trailers) this.onResponseTrailers(msg.response_trailers);
  }

  /** Envoy closed the stream (or it failed): whatever was seen is recorded. */
  onClose(): void {
    this.finish();
  }

  private reply(message: ProcessingResponse): void {
    if (!this.observe && !this.done) this.events.reply(message);
  }

  private readAttributes(msg: ProcessingRequest): void {
    const fields = msg.attributes?.[EXT_PROC_FILTER]?.fields;
    if (fields === undefined) return;
    const ex = this.ex;
    const source = attributeText(fields['source.address']);
    if (source !== '') {
      const peer = parseAddress(source);
      ex.clientPeer = peer.address;
      ex.clientAddress = peer.address;
      ex.clientPort = peer.port;
    }
    const port = attributeText(fields['source.port']);
    if (/^\d{1,5}$/.test(port)) ex.clientPort = Number(port);
    const protocol = attributeText(fields['request.protocol']);
    if (protocol !== '') ex.protocol = protocol;
    const id = attributeText(fields['request.id']);
    if (id !== '' && ex.id === '') ex.id = id;
  }

  private captureFor(headers: HeaderPairs): BodyCapture | undefined {
    const { bodyCaptureSize, allowedContentTypes } = this.settings;
    return isCapturedContentType(headerValue(headers, 'content-type'), allowedContentTypes) ? new BodyCapture(bodyCaptureSize) : undefined;
  }

  private onRequestHeaders(msg: ProtoHeaders): void {
    const ex = this.ex;
    ex.startNanos = nowNanos();
    const headers = headerPairs(msg.headers);
    ex.requestHeaders = headers;
    ex.requestHeadersSeen = true;
    ex.requestBody = this.captureFor(headers);
    const eos = msg.end_of_stream === true;
    ex.requestHeadersEndedStream = eos;
    if (eos) ex.requestEnded = true;
    const requestId = headerValue(headers, 'x-request-id');
    if (requestId !== '') ex.id = requestId;
    this.peer = ex.clientPeer;

    const d = this.decider.head({ headers, peer: this.peer });
    // The client the policy decided on, as the filter records it: with trusted hops, an x-forwarded-for
    // entry, whose port is unknown.
    if (d.clientIp !== '' && d.clientIp !== ex.clientPeer) {
      ex.clientAddress = d.clientIp;
      ex.clientPort = 0;
    }
    this.apply(d);
    if (d.reply) {
      this.block(d.reply);
      return;
    }
    this.holdBody = d.inspectBody && !eos && this.settings.bodyCaptureSize > 0;
    if (this.holdBody && ex.requestBody === undefined) this.inspected = new BodyCapture(this.settings.bodyCaptureSize);
    this.reply({ request_headers: {} });
  }

  private onRequestBody(msg: ProtoBody): void {
    const ex = this.ex;
    const chunk = msg.body ?? Buffer.alloc(0);
    const eos = msg.end_of_stream === true;
    ex.requestBody?.append(chunk, eos);
    this.inspected?.append(chunk, eos);
    if (eos) ex.requestEnded = true;
    const body = this.heldBody();
    if (this.holdBody && body !== undefined && (eos || body.captured >= body.limit)) {
      if (this.decideBody()) return;
    }
    this.reply({ request_body: {} });
  }

  private onRequestTrailers(msg: ProtoTrailers): void {
    const ex = this.ex;
    ex.requestTrailers = headerPairs(msg.trailers);
    ex.requestEnded = true;
    if (ex.requestBody) ex.requestBody.ended = true;
    if (this.holdBody && this.decideBody()) return;
    this.reply({ request_trailers: {} });
  }

  /** What detection reads: the capture, or the body held apart. */
  private heldBody(): BodyCapture | undefined {
    return this.inspected ?? this.ex.requestBody;
  }

  /** Detection on the held body; true when it blocked. */
  private decideBody(): boolean {
    this.holdBody = false;
    const ex = this.ex;
    const d = this.decider.body({ headers: ex.requestHeaders, body: this.heldBody()?.bytes(), peer: this.peer }, ex.verdict !== undefined);
    this.inspected = undefined;
    this.apply(d);
    if (!d.reply) return false;
    this.block(d.reply);
    return true;
  }

  private onResponseHeaders(msg: ProtoHeaders): void {
    const ex = this.ex;
    // A body never held to its end (body mode NONE, or cut by Envoy's buffer): decide it for the record.
    if (this.holdBody) {
      this.holdBody = false;
      this.apply(
        this.decider.body({ headers: ex.requestHeaders, body: this.heldBody()?.bytes(), peer: this.peer }, ex.verdict !== undefined),
      );
      this.inspected = undefined;
    }
    const headers = headerPairs(msg.headers);
    ex.responseHeaders = headers;
    ex.responseBody = this.captureFor(headers);
    const eos = msg.end_of_stream === true;
    ex.responseHeadersEndedStream = eos;
    if (!eos && ex.responseBody === undefined && ex.requestEnded) {
      this.reply({ response_headers: {}, mode_override: SKIP_RESPONSE_BODY });
    } else {
      this.reply({ response_headers: {} });
    }
    if (eos) this.responseEnded();
  }

  private onResponseBody(msg: ProtoBody): void {
    const eos = msg.end_of_stream === true;
    this.ex.responseBody?.append(msg.body ?? Buffer.alloc(0), eos);
    this.reply({ response_body: {} });
    if (eos) this.responseEnded();
  }

  private onResponseTrailers(msg: ProtoTrailers): void {
    this.ex.responseTrailers = headerPairs(msg.trailers);
    if (this.ex.responseBody) this.ex.responseBody.ended = true;
    this.reply({ response_trailers: {} });
    this.responseEnded();
  }

  private responseEnded(): void {
    this.ex.responseEnded = true;
    this.finish();
  }

  private apply(d: Decision): void {
    if (d.verdict) this.ex.verdict = d.verdict;
  }

  /** Stops the request with the configured reply, as the filter's local reply does. */
  private block(reply: { status: number; message: string }): void {
    const ex = this.ex;
    this.holdBody = false;
    const headers: HeaderPairs = [['content-type', 'text/plain; charset=utf-8']];
    if (ex.id !== '') headers.push(['x-request-id', ex.id]);
    this.reply({
      immediate_response: {
        status: { code: reply.status },
        headers: {
          set_headers: headers.map(([key, value]) => ({
            header: { key, raw_value: Buffer.from(value) },
            append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
          })),
        },
        body: Buffer.from(reply.message),
        details: 'gatewarden_blocked',
      },
    });
    if (this.observe) return; // nothing is enforced in observability mode: the exchange goes on
    this.blocked = true;
    // The local reply as the filter sees its own: the headers it set, then the length Envoy adds.
    ex.responseHeaders = [[':status', String(reply.status)], ...headers, ['content-length', String(Buffer.byteLength(reply.message))]];
    ex.responseEnded = true;
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const ex = this.ex;
    if (!ex.requestHeadersSeen) return; // nothing to record (request headers skipped)
    ex.endNanos = nowNanos();
    this.events.finished(ex, this.blocked);
  }
}
