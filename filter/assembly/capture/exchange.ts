import { HeaderList } from "./headers";
import { BodyCapture } from "./body";
import { JsonWriter } from "../json/writer";
import { Verdict } from "../policy/verdict";

/** What one HTTP exchange left behind, gathered across the stream's callbacks. */
export class Exchange {
  id: string = "";
  startNanos: u64 = 0;
  durationNanos: u64 = 0;
  clientAddress: string = "";
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
  w.key("id");
  w.string(ex.id);
  w.key("service");
  w.string(service);
  w.key("module_version");
  w.string(moduleVersion);
  w.key("start_time_unix_nano");
  w.u64String(ex.startNanos);
  w.key("duration_nano");
  w.u64(ex.durationNanos);

  w.key("client");
  w.beginObject();
  w.key("address");
  w.string(ex.clientAddress);
  w.key("port");
  w.u64(<u64>ex.clientPort);
  w.endObject();

  w.key("request");
  w.beginObject();
  w.key("method");
  writeHeaderValue(w, req, ":method");
  w.key("scheme");
  writeHeaderValue(w, req, ":scheme");
  w.key("authority");
  writeHeaderValue(w, req, ":authority");
  writePathAndQuery(w, req);
  w.key("protocol");
  w.string(ex.protocol);
  w.key("headers");
  writePairs(w, req);
  const reqTrailers = ex.requestTrailers;
  if (reqTrailers !== null) {
    w.key("trailers");
    writePairs(w, reqTrailers);
  }
  const reqBody = ex.requestBody;
  if (reqBody !== null) {
    w.key("body");
    reqBody.write(w);
  }
  w.endObject();

  const res = ex.responseHeaders;
  w.key("response");
  w.beginObject();
  w.key("status");
  w.u64(<u64>responseStatus(ex));
  w.key("headers");
  writePairs(w, res);
  const resTrailers = ex.responseTrailers;
  if (resTrailers !== null) {
    w.key("trailers");
    writePairs(w, resTrailers);
  }
  const resBody = ex.responseBody;
  if (resBody !== null) {
    w.key("body");
    resBody.write(w);
  }
  // gRPC puts grpc-status in the trailers, or in the headers of a trailers-only response.
  let grpcSource: HeaderList | null = null;
  if (resTrailers !== null && resTrailers.has("grpc-status")) grpcSource = resTrailers;
  else if (res.has("grpc-status")) grpcSource = res;
  if (grpcSource !== null) {
    w.key("grpc_status");
    writeHeaderValue(w, grpcSource, "grpc-status");
  }
  w.endObject();
  const verdict = ex.verdict;
  if (verdict !== null) {
    w.key("verdict");
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
  w.key("path");
  w.stringBytes(ptr, q);
  w.key("query");
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
