import { HeaderList } from "../http/headers";
import { BodyCapture } from "./body";
import { hasContentCoding } from "./content-type";
import { JsonKey, JsonWriter } from "../json/writer";
import { Verdict } from "../policy/verdict";
import { RedactionNames } from "../redact/names";
import { Redactor } from "../redact/redactor";
import { snippetHidden } from "../redact/snippet";

const KEY_ADDRESS = new JsonKey("address");
const KEY_AUTHORITY = new JsonKey("authority");
const KEY_BODY = new JsonKey("body");
const KEY_CLIENT = new JsonKey("client");
const KEY_PEER = new JsonKey("peer");
const KEY_DURATION_NANO = new JsonKey("duration_nano");
const KEY_GRPC_STATUS = new JsonKey("grpc_status");
const KEY_HEADERS = new JsonKey("headers");
const KEY_ID = new JsonKey("id");
const KEY_METHOD = new JsonKey("method");
const KEY_MODULE_VERSION = new JsonKey("module_version");
const KEY_PATH = new JsonKey("path");
const KEY_PORT = new JsonKey("port");
const KEY_PROTOCOL = new JsonKey("protocol");
const KEY_QUERY = new JsonKey("query");
const KEY_REDACTED = new JsonKey("redacted");
const KEY_REQUEST = new JsonKey("request");
const KEY_RESPONSE = new JsonKey("response");
const KEY_SAMPLED = new JsonKey("sampled");
const KEY_SCHEME = new JsonKey("scheme");
const KEY_SERVICE = new JsonKey("service");
const KEY_START_TIME_UNIX_NANO = new JsonKey("start_time_unix_nano");
const KEY_STATUS = new JsonKey("status");
const KEY_TRAILERS = new JsonKey("trailers");
const KEY_VERDICT = new JsonKey("verdict");

/** What one HTTP exchange left behind, gathered across the stream's callbacks. */
export class Exchange {
  id: string = "";
  startNanos: u64 = 0;
  durationNanos: u64 = 0;
  /** The client the policy decided on: the TCP peer, or an x-forwarded-for entry with trusted hops. */
  clientAddress: string = "";
  /** The TCP peer. */
  clientPeer: string = "";
  clientPort: i32 = 0;
  protocol: string = "";
  requestHeaders: HeaderList = HeaderList.empty();
  requestTrailers: HeaderList | null = null;
  requestBody: BodyCapture | null = null;
  responseHeaders: HeaderList = HeaderList.empty();
  responseTrailers: HeaderList | null = null;
  responseBody: BodyCapture | null = null;
  /** Used when the response headers carry no :status (e.g. the stream was reset). */
  fallbackStatus: i32 = 0;
  /** Set when a rule or a detection applied (block, monitor or allow). */
  verdict: Verdict | null = null;
}

const redactor = new Redactor(new RedactionNames());

/**
 * Where the last writeRecord wrote its record's `,"response":` and `,"verdict":` (-1: no verdict), as
 * offsets into the writer's buffer. Producers state them to the TME, which then reads the fields after
 * a body without reading the body (docs/record-format.md, "Stated framing").
 */
export class RecordMarks {
  static response: i32 = -1;
  static verdict: i32 = -1;
}
/** Redacts nothing: for the synchronous check, whose detection and deny list need the values. */
const NO_NAMES = new RedactionNames([], []);

/**
 * Writes one record in the wire format the TME validates (host/tme-server/src/ingest/record-schema.ts,
 * docs/record-format.md), redacted under `names` and marked `"redacted": true`; `names` null writes
 * it as captured. `full` false writes the summary of an exchange report.sampleRate left out: what the
 * inventory counts (method, authority, path, status, content types, client, duration), no query,
 * other headers, trailers or bodies, marked `"sampled": false`.
 */
export function writeRecord(
  w: JsonWriter,
  ex: Exchange,
  service: string,
  moduleVersion: string,
  names: RedactionNames | null,
  full: bool = true,
): void {
  const req = ex.requestHeaders;
  const res = ex.responseHeaders;
  const applied = names === null ? NO_NAMES : names;
  learnSecrets(ex, applied, full);
  w.beginObject();
  if (!full) {
    // First, so the TME tells a summary from its first bytes without parsing it.
    w.encodedKey(KEY_SAMPLED);
    w.bool(false);
  }
  w.encodedKey(KEY_ID);
  w.string(ex.id);
  w.encodedKey(KEY_SERVICE);
  w.string(service);
  w.encodedKey(KEY_MODULE_VERSION);
  w.string(moduleVersion);
  w.encodedKey(KEY_START_TIME_UNIX_NANO);
  w.u64String(ex.startNanos);
  w.encodedKey(KEY_DURATION_NANO);
  w.u64(ex.durationNanos);

  w.encodedKey(KEY_CLIENT);
  w.beginObject();
  w.encodedKey(KEY_ADDRESS);
  w.string(ex.clientAddress);
  w.encodedKey(KEY_PORT);
  w.u64(<u64>ex.clientPort);
  if (ex.clientPeer.length > 0 && ex.clientPeer != ex.clientAddress) {
    w.encodedKey(KEY_PEER);
    w.string(ex.clientPeer);
  }
  w.endObject();

  w.encodedKey(KEY_REQUEST);
  w.beginObject();
  w.encodedKey(KEY_METHOD);
  writeHeaderValue(w, req, ":method");
  w.encodedKey(KEY_SCHEME);
  writeHeaderValue(w, req, ":scheme");
  w.encodedKey(KEY_AUTHORITY);
  writeHeaderValue(w, req, ":authority");
  writePathAndQuery(w, req, full);
  w.encodedKey(KEY_PROTOCOL);
  w.string(ex.protocol);
  w.encodedKey(KEY_HEADERS);
  writePairs(w, req, full);
  const reqTrailers = full ? ex.requestTrailers : null;
  if (reqTrailers !== null) {
    w.encodedKey(KEY_TRAILERS);
    writePairs(w, reqTrailers, true);
  }
  const reqBody = full && !hasContentCoding(req) ? ex.requestBody : null;
  if (reqBody !== null) {
    w.encodedKey(KEY_BODY);
    reqBody.write(w, redactor.requestBody(reqBody.data.dataStart, reqBody.data.length), redactor.length);
  }
  w.endObject();

  RecordMarks.response = w.out.length;
  w.encodedKey(KEY_RESPONSE);
  w.beginObject();
  w.encodedKey(KEY_STATUS);
  w.u64(<u64>responseStatus(ex));
  w.encodedKey(KEY_HEADERS);
  writePairs(w, res, full);
  const resTrailers = ex.responseTrailers;
  if (resTrailers !== null && full) {
    w.encodedKey(KEY_TRAILERS);
    writePairs(w, resTrailers, true);
  }
  const resBody = full && !hasContentCoding(res) ? ex.responseBody : null;
  if (resBody !== null) {
    w.encodedKey(KEY_BODY);
    writeBody(w, resBody, res);
  }
  // gRPC puts grpc-status in the trailers, or in the headers of a trailers-only response.
  let grpcSource: HeaderList | null = null;
  if (resTrailers !== null && resTrailers.has("grpc-status")) grpcSource = resTrailers;
  else if (res.has("grpc-status")) grpcSource = res;
  // Only a number is a status; anything else stays visible in the headers or trailers.
  const grpcStatus = grpcSource === null ? -1 : grpcSource.indexOf("grpc-status");
  if (grpcSource !== null && isDigits(grpcSource.valuePtr(grpcStatus), grpcSource.valueLength(grpcStatus))) {
    w.encodedKey(KEY_GRPC_STATUS);
    w.stringBytes(grpcSource.valuePtr(grpcStatus), grpcSource.valueLength(grpcStatus));
  }
  w.endObject();
  const verdict = ex.verdict;
  RecordMarks.verdict = -1;
  if (verdict !== null) {
    RecordMarks.verdict = w.out.length;
    w.encodedKey(KEY_VERDICT);
    verdict.write(w, names !== null && snippetHidden(verdict.location, verdict.snippet, names, redactor.secrets));
  }
  if (names !== null) {
    w.encodedKey(KEY_REDACTED);
    w.bool(true);
  }
  w.endObject();
}

/**
 * Everything redacted in the request and the response headers, before anything is written: a secret
 * found in a later part (a password in the body, a Set-Cookie) is then also hidden where it was echoed
 * in an earlier one. The response body is last, so its own secrets need no early pass.
 */
function learnSecrets(ex: Exchange, names: RedactionNames, withRequestBody: bool): void {
  redactor.begin(names);
  const req = ex.requestHeaders;
  redactor.collectHeaders(req);
  const reqTrailers = ex.requestTrailers;
  if (reqTrailers !== null) redactor.collectHeaders(reqTrailers);
  const path = req.indexOf(":path");
  if (path >= 0) {
    const p = req.valuePtr(path);
    const len = req.valueLength(path);
    const q = queryStart(p, len);
    if (q < len) redactor.collectQuery(p + q + 1, len - q - 1);
  }
  const reqBody = ex.requestBody;
  if (reqBody !== null && withRequestBody && !hasContentCoding(req)) {
    const ct = req.indexOf("content-type");
    redactor.collectBody(reqBody.data.dataStart, reqBody.data.length, ct < 0 ? 0 : req.valuePtr(ct), ct < 0 ? 0 : req.valueLength(ct));
  }
  redactor.collectHeaders(ex.responseHeaders);
  const resTrailers = ex.responseTrailers;
  if (resTrailers !== null) redactor.collectHeaders(resTrailers);
}

/** The response body: its own fields, then echoes of everything redacted before it. */
function writeBody(w: JsonWriter, body: BodyCapture, headers: HeaderList): void {
  const ct = headers.indexOf("content-type");
  const p = redactor.body(body.data.dataStart, body.data.length, ct < 0 ? 0 : headers.valuePtr(ct), ct < 0 ? 0 : headers.valueLength(ct));
  body.write(w, p, redactor.length);
}

function queryStart(ptr: usize, len: i32): i32 {
  let q = 0;
  while (q < len && load<u8>(ptr + q) != 0x3f) q++;
  return q;
}

function responseStatus(ex: Exchange): i32 {
  const i = ex.responseHeaders.indexOf(":status");
  if (i < 0) return ex.fallbackStatus;
  const p = ex.responseHeaders.valuePtr(i);
  const len = ex.responseHeaders.valueLength(i);
  let status = 0;
  for (let j = 0; j < len; j++) {
    const d = <i32>load<u8>(p + j) - 0x30;
    if (d < 0 || d > 9) return ex.fallbackStatus;
    status = status * 10 + d;
  }
  return status;
}

/** 1 to 10 decimal digits, as the record format's grpc_status. */
function isDigits(ptr: usize, len: i32): bool {
  if (len == 0 || len > 10) return false;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function writeHeaderValue(w: JsonWriter, list: HeaderList, name: string): void {
  const i = list.indexOf(name);
  if (i < 0) w.string("");
  else w.stringBytes(list.valuePtr(i), list.valueLength(i));
}

/** `:path` split at the first '?' into the path and the query (without the '?'). */
function writePathAndQuery(w: JsonWriter, req: HeaderList, withQuery: bool): void {
  const i = req.indexOf(":path");
  let ptr: usize = 0;
  let len = 0;
  if (i >= 0) {
    ptr = req.valuePtr(i);
    len = req.valueLength(i);
  }
  const q = queryStart(ptr, len);
  w.encodedKey(KEY_PATH);
  const path = redactor.text(ptr, q);
  w.stringBytes(path, redactor.length);
  w.encodedKey(KEY_QUERY);
  if (!withQuery) {
    w.string("");
    return;
  }
  const query = redactor.query(ptr + q + (q < len ? 1 : 0), q < len ? len - q - 1 : 0);
  w.stringBytes(query, redactor.length);
}

/** Non-pseudo headers as [[name, value], ...], in the order the host gave them: all, or only content-type. */
function writePairs(w: JsonWriter, list: HeaderList, all: bool): void {
  w.beginArray();
  const only = all ? -1 : list.indexOf("content-type");
  for (let i = 0; i < list.count; i++) {
    if (list.isPseudo(i) || (!all && i != only)) continue;
    w.beginArray();
    w.stringBytes(list.namePtr(i), list.nameLength(i));
    const value = redactor.headerValue(list, i);
    w.stringBytes(value, redactor.length);
    w.endArray();
  }
  w.endArray();
}
