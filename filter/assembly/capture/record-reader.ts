// A record in the wire format (docs/record-format.md), read back into an Exchange so that writeRecord
// can encode it again, redacted: how the engine redacts the records the TME builds itself (ext_proc,
// ext_authz, ext_cap) and those of filters too old to redact. The parser is bounded in depth.
import { HeaderList, serializeHeaders } from "../http/headers";
import { BodyCapture } from "./body";
import { Exchange } from "./exchange";
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { ByteBuffer } from "../json/bytes";
import { decodeBase64 } from "../encoding/base64";
import { Action } from "../policy/model";
import { Verdict } from "../policy/verdict";

export class ReadRecord {
  exchange: Exchange = new Exchange();
  service: string = "";
  moduleVersion: string = "";
  /** False for a summary (`"sampled": false`), which is encoded again as one. */
  full: bool = true;
  error: string = "";
}

function text(obj: JsonValue | null, key: string): string {
  if (obj === null) return "";
  const v = obj.get(key);
  return v !== null && v.kind == JsonKind.String ? v.text : "";
}

function num(obj: JsonValue | null, key: string): f64 {
  if (obj === null) return 0;
  const v = obj.get(key);
  return v !== null && v.kind == JsonKind.Number ? v.number : 0;
}

/** `pseudo` (name, value) pairs first, then the record's [[name, value], ...] list. */
function headers(list: JsonValue | null, pseudoNames: Array<string>, pseudoValues: Array<string>): HeaderList {
  const names = pseudoNames;
  const values = pseudoValues;
  if (list !== null && list.kind == JsonKind.Array) {
    for (let i = 0; i < list.items.length; i++) {
      const pair = list.items[i];
      if (pair.kind != JsonKind.Array || pair.items.length != 2) continue;
      names.push(pair.items[0].text);
      values.push(pair.items[1].text);
    }
  }
  return new HeaderList(serializeHeaders(names, values));
}

function body(v: JsonValue | null): BodyCapture | null {
  if (v === null || v.kind != JsonKind.Object) return null;
  const data = String.UTF8.encode(text(v, "data"));
  let b: BodyCapture;
  if (text(v, "encoding") == "base64") {
    const raw = new ByteBuffer((data.byteLength * 3) / 4 + 3);
    decodeBase64(raw, changetype<usize>(data), data.byteLength);
    b = new BodyCapture(raw.length, raw.length);
    b.data.writeBytes(raw.dataStart, raw.length);
    b.base64 = true;
  } else {
    b = new BodyCapture(data.byteLength, data.byteLength);
    b.data.writeBuffer(data);
  }
  const truncated = v.get("truncated");
  b.cut = truncated !== null && truncated.kind == JsonKind.Bool && truncated.boolean;
  const size = num(v, "size");
  b.size = size > <f64>b.data.length ? <u64>size : <u64>b.data.length;
  return b;
}

function action(name: string): Action {
  if (name == "allow") return Action.Allow;
  if (name == "monitor") return Action.Monitor;
  if (name == "block") return Action.Block;
  return Action.None;
}

export function readRecord(json: string): ReadRecord {
  const out = new ReadRecord();
  const parsed = parseJson(json);
  const root = parsed.value;
  if (root === null || root.kind != JsonKind.Object) {
    out.error = root === null ? parsed.error : "a record must be a JSON object";
    return out;
  }
  const ex = out.exchange;
  out.service = text(root, "service");
  out.moduleVersion = text(root, "module_version");
  const sampled = root.get("sampled");
  out.full = sampled === null || sampled.kind != JsonKind.Bool || sampled.boolean;
  ex.id = text(root, "id");
  ex.startNanos = U64.parseInt(text(root, "start_time_unix_nano"));
  ex.durationNanos = <u64>num(root, "duration_nano");
  const client = root.get("client");
  ex.clientAddress = text(client, "address");
  ex.clientPeer = text(client, "peer");
  ex.clientPort = <i32>num(client, "port");

  const req = root.get("request");
  if (req !== null && req.kind == JsonKind.Object) {
    const query = text(req, "query");
    const path = text(req, "path") + (query.length > 0 ? "?" + query : "");
    ex.protocol = text(req, "protocol");
    ex.requestHeaders = headers(
      req.get("headers"),
      [":method", ":scheme", ":authority", ":path"],
      [text(req, "method"), text(req, "scheme"), text(req, "authority"), path],
    );
    const trailers = req.get("trailers");
    if (trailers !== null) ex.requestTrailers = headers(trailers, [], []);
    ex.requestBody = body(req.get("body"));
  }
  const res = root.get("response");
  if (res !== null && res.kind == JsonKind.Object) {
    const status = <i32>num(res, "status");
    ex.fallbackStatus = status;
    const grpc = text(res, "grpc_status");
    const trailers = res.get("trailers");
    // grpc_status comes from a grpc-status header or trailer; one the record names alone goes in the trailers.
    ex.responseHeaders = headers(res.get("headers"), [":status"], [status.toString()]);
    if (trailers !== null || grpc.length > 0) {
      const t = headers(trailers, [], []);
      ex.responseTrailers =
        grpc.length > 0 && !t.has("grpc-status") && !ex.responseHeaders.has("grpc-status") ? headers(trailers, ["grpc-status"], [grpc]) : t;
    }
    ex.responseBody = body(res.get("body"));
  }
  const verdict = root.get("verdict");
  if (verdict !== null && verdict.kind == JsonKind.Object) {
    const v = Verdict.of(action(text(verdict, "action")), text(verdict, "rule"), text(verdict, "category"));
    v.location = text(verdict, "location");
    v.snippet = text(verdict, "snippet");
    ex.verdict = v;
  }
  return out;
}
