import { serializeHeaders } from "../http/headers";
import { bodyCapture, readExchangeFrame, FLAG_REQUEST_BODY, FLAG_RESPONSE_TRAILERS, FLAG_VERDICT } from "../capture/exchange-frame";
import { writeRecord } from "../capture/exchange";
import { ByteBuffer } from "../json/bytes";
import { JsonWriter } from "../json/writer";
import { Action } from "../policy/model";

/** A frame as the host writes it (filter/node/engine.ts encodeRecord). */
class Frame {
  out: ByteBuffer = new ByteBuffer();
  constructor(flags: u32, requestSize: u64, action: u32) {
    this.u64(1000);
    this.u64(20);
    this.u32(8080);
    this.u32(0);
    this.u32(flags);
    this.u64(requestSize);
    this.u64(0);
    this.u32(action);
  }
  u32(v: u32): Frame {
    this.out.reserve(4);
    store<u32>(this.out.dataStart + this.out.length, v);
    this.out.length += 4;
    return this;
  }
  u64(v: u64): void {
    this.out.reserve(8);
    store<u64>(this.out.dataStart + this.out.length, v);
    this.out.length += 8;
  }
  bytes(b: ArrayBuffer): Frame {
    this.u32(b.byteLength);
    this.out.writeBuffer(b);
    return this;
  }
  utf8(s: string): Frame {
    return this.bytes(String.UTF8.encode(s));
  }
  utf16(s: string): Frame {
    return this.bytes(String.UTF16.encode(s));
  }
}

function fullFrame(): Frame {
  return new Frame(FLAG_REQUEST_BODY | FLAG_RESPONSE_TRAILERS | FLAG_VERDICT, 9, <u32>Action.Monitor)
    .utf8("req-1")
    .utf8("istio")
    .utf8("0.1.0")
    .utf8("203.0.113.9")
    .utf8("10.0.0.1")
    .utf8("HTTP/1.1")
    .bytes(serializeHeaders([":method", ":path", "content-type"], ["POST", "/p?q=1", "application/json"]))
    .bytes(new ArrayBuffer(0))
    .bytes(serializeHeaders([":status"], ["200"]))
    .bytes(serializeHeaders(["grpc-status"], ["0"]))
    .utf16("r1")
    .utf16("sqli")
    .utf16("body")
    .utf16("x\ud800");
}

describe("readExchangeFrame", () => {
  it("reads every part into the exchange the filter's encoder writes", () => {
    const body = bodyCapture(3);
    memory.copy(body.data.dataStart, changetype<usize>(String.UTF8.encode("a=1")), 3);
    const f = fullFrame();
    const read = readExchangeFrame(f.out.dataStart, f.out.length, body, null);
    expect(read.error).toBe("");
    const out = new ByteBuffer();
    writeRecord(new JsonWriter(out), read.exchange, read.service, read.moduleVersion, null);
    expect(out.toString()).toBe(
      '{"id":"req-1","service":"istio","module_version":"0.1.0","start_time_unix_nano":"1000","duration_nano":20,' +
        '"client":{"address":"203.0.113.9","port":8080,"peer":"10.0.0.1"},' +
        '"request":{"method":"POST","scheme":"","authority":"","path":"/p","query":"q=1","protocol":"HTTP/1.1","headers":[["content-type","application/json"]],' +
        '"body":{"data":"a=1","encoding":"utf8","size":9,"truncated":true}},' +
        '"response":{"status":200,"headers":[],"trailers":[["grpc-status","0"]],"grpc_status":"0"},' +
        '"verdict":{"action":"monitor","rule":"r1","category":"sqli","location":"body","snippet":"x\\ud800"}}',
    );
  });

  it("refuses a frame cut inside its head or a part, and a part longer than the frame", () => {
    const f = fullFrame();
    expect(readExchangeFrame(f.out.dataStart, 47, null, null).error.length).toBeGreaterThan(0);
    expect(readExchangeFrame(f.out.dataStart, f.out.length - 1, null, null).error.length).toBeGreaterThan(0);
    const lying = new Frame(0, 0, 0).u32(0xffffffff);
    expect(readExchangeFrame(lying.out.dataStart, lying.out.length, null, null).error.length).toBeGreaterThan(0);
  });

  it("refuses a frame that names a body the host did not hand over", () => {
    const f = fullFrame();
    expect(readExchangeFrame(f.out.dataStart, f.out.length, null, null).error).toBe("frame: the request body was not handed over");
  });

  it("leaves out the parts the flags do not name, and bounds the port and status", () => {
    const f = new Frame(0, 5, <u32>Action.Block);
    store<u32>(f.out.dataStart + 16, 70000);
    store<u32>(f.out.dataStart + 20, 5000);
    for (let i = 0; i < 14; i++) f.u32(0);
    const read = readExchangeFrame(f.out.dataStart, f.out.length, bodyCapture(4), null);
    expect(read.error).toBe("");
    expect(read.exchange.requestBody).toBeNull();
    expect(read.exchange.requestTrailers).toBeNull();
    expect(read.exchange.verdict).toBeNull();
    expect(read.exchange.clientPort).toBe(0);
    expect(read.exchange.fallbackStatus).toBe(0);
  });
});
