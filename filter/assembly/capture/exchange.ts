import { HeaderList } from "../http/headers";
import { BodyCapture } from "./body";
import { JsonKey, JsonWriter } from "../json/writer";
import { Verdict } from "../policy/verdict";

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
const KEY_REQUEST = new JsonKey("request");
const KEY_RESPONSE = new JsonKey("response");
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

/** Writes one record in the wire format the TME validates (host/tme-server/src/ingest/record-schema.ts). */
export function writeRecord(w: JsonWriter, ex: Exchange, service: string, moduleVersion: string): void {
  const req = ex.requestHeaders;
  w.beginObject();
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
  writePathAndQuery(w, req);
  w.encodedKey(KEY_PROTOCOL);
  w.string(ex.protocol);
  w.encodedKey(KEY_HEADERS);
  writePairs(w, req);
  const reqTrailers = ex.requestTrailers;
  if (reqTrailers !== null) {
    w.encodedKey(KEY_TRAILERS);
    writePairs(w, reqTrailers);
  }
  const reqBody = ex.requestBody;
  if (reqBody !== null) {
    w.encodedKey(KEY_BODY);
    reqBody.write(w);
  }
  w.endObject();

  const res = ex.responseHeaders;
  w.encodedKey(KEY_RESPONSE);
  w.beginObject();
  w.encodedKey(KEY_STATUS);
  w.u64(<u64>responseStatus(ex));
  w.encodedKey(KEY_HEADERS);
  writePairs(w, res);
  const resTrailers = ex.responseTrailers;
  if (resTrailers !== null) {
    w.encodedKey(KEY_TRAILERS);
    writePairs(w, resTrailers);
  }
  const resBody = ex.responseBody;
  if (resBody !== null) {
    w.encodedKey(KEY_BODY);
    resBody.write(w);
  }
  // gRPC puts grpc-status in the trailers, or in the headers of a trailers-only response.
  let grpcSource: HeaderList | null = null;
  if (resTrailers !== null && resTrailers.has("grpc-status")) grpcSource = resTrailers;
  else if (res.has("grpc-status")) grpcSource = res;
  if (grpcSource !== null) {
    w.encodedKey(KEY_GRPC_STATUS);
    writeHeaderValue(w, grpcSource, "grpc-status");
  }
  w.endObject();
  const verdict = ex.verdict;
  if (verdict !== null) {
    w.encodedKey(KEY_VERDICT);
    verdict.write(w);
  }
  w.endObject();
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

function writeHeaderValue(w: JsonWriter, list: HeaderList, name: string): void {
  const i = list.indexOf(name);
  if (i < 0) w.string("");
  else w.stringBytes(list.valuePtr(i), list.valueLength(i));
}

/** `:path` split at the first '?' into the path and the query (without the '?'). */
function writePathAndQuery(w: JsonWriter, req: HeaderList): void {
  const i = req.indexOf(":path");
  let ptr: usize = 0;
  let len = 0;
  if (i >= 0) {
    ptr = req.valuePtr(i);
    len = req.valueLength(i);
  }
  let q = 0;
  while (q < len && load<u8>(ptr + q) != 0x3f) q++;
  w.encodedKey(KEY_PATH);
  w.stringBytes(ptr, q);
  w.encodedKey(KEY_QUERY);
  w.stringBytes(ptr + q + (q < len ? 1 : 0), q < len ? len - q - 1 : 0);
}

/** All non-pseudo headers as [[name, value], ...], in the order the host gave them. */
function writePairs(w: JsonWriter, list: HeaderList): void {
  w.beginArray();
  for (let i = 0; i < list.count; i++) {
    if (list.isPseudo(i)) continue;
    w.beginArray();
    w.stringBytes(list.namePtr(i), list.nameLength(i));
    w.stringBytes(list.valuePtr(i), list.valueLength(i));
    w.endArray();
  }
  w.endArray();
}
