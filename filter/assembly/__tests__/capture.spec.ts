import { HeaderList, serializeHeaders } from "../http/headers";
import { BodyCapture } from "../capture/body";
import { isCapturedContentType } from "../capture/content-type";
import { parseAddress } from "../capture/address";
import { Exchange, writeRecord } from "../capture/exchange";
import { ByteBuffer } from "../json/bytes";
import { JsonWriter } from "../json/writer";
import { RedactionNames } from "../redact/names";
import { Sampler } from "../report/sampler";

function chunk(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function bodyJson(b: BodyCapture): string {
  const out = new ByteBuffer();
  b.write(new JsonWriter(out), b.data.dataStart, b.data.length);
  return out.toString();
}

describe("HeaderList", () => {
  it("indexes the host's serialised pairs", () => {
    const list = new HeaderList(serializeHeaders([":path", "content-type", "x-a", "x-a"], ["/p?q=1", "application/json", "1", "2"]));
    expect(list.count).toBe(4);
    expect(list.isPseudo(0)).toBe(true);
    expect(list.isPseudo(1)).toBe(false);
    expect(list.get("content-type")).toBe("application/json");
    expect(list.indexOf("x-a")).toBe(2);
    expect(list.get("absent")).toBe("");
  });

  it("treats a truncated or lying buffer as holding only what it can", () => {
    expect(new HeaderList(new ArrayBuffer(2)).count).toBe(0);
    const raw = serializeHeaders(["a", "b"], ["1", "2"]);
    expect(new HeaderList(raw.slice(0, raw.byteLength - 2)).count).toBe(1);
    const lying = new ArrayBuffer(8);
    store<u32>(changetype<usize>(lying), 1000000);
    expect(new HeaderList(lying).count).toBe(0);
  });
});

describe("BodyCapture", () => {
  it("keeps exactly the limit and counts the rest", () => {
    const b = new BodyCapture(5);
    b.size += 3;
    b.append(chunk("abc"));
    b.size += 4;
    b.append(chunk("defg"));
    expect(b.room()).toBe(0);
    expect(b.truncated).toBe(true);
    expect(bodyJson(b)).toBe('{"data":"abcde","encoding":"utf8","size":7,"truncated":false}'.replace("false", "true"));
  });

  it("captures a body within the limit untruncated", () => {
    const b = new BodyCapture(100);
    b.size += 7;
    b.append(chunk('{"a":1}'));
    expect(bodyJson(b)).toBe('{"data":"{\\"a\\":1}","encoding":"utf8","size":7,"truncated":false}');
  });

  it("falls back to base64 for binary data and for text cut inside a character", () => {
    const bin = new BodyCapture(10);
    const raw = new ArrayBuffer(3);
    store<u8>(changetype<usize>(raw), 0xff);
    store<u8>(changetype<usize>(raw) + 1, 0x00);
    store<u8>(changetype<usize>(raw) + 2, 0x80);
    bin.size += 3;
    bin.append(raw);
    expect(bodyJson(bin)).toBe('{"data":"/wCA","encoding":"base64","size":3,"truncated":false}');

    const cut = new BodyCapture(2);
    cut.size += 3;
    cut.append(chunk("aé")); // 'a' then the first byte of 'é'
    expect(bodyJson(cut)).toBe('{"data":"YcM=","encoding":"base64","size":3,"truncated":true}');
  });

  it("captures nothing with a zero limit but still counts", () => {
    const b = new BodyCapture(0);
    b.size += 4;
    expect(b.room()).toBe(0);
    expect(bodyJson(b)).toBe('{"data":"","encoding":"utf8","size":4,"truncated":true}');
  });
});

function withContentType(value: string): HeaderList {
  return new HeaderList(serializeHeaders([":path", "content-type"], ["/", value]));
}

describe("isCapturedContentType", () => {
  it("matches substrings case-insensitively", () => {
    const allowed: Array<string> = ["json", "x-www-form-urlencoded", "grpc"];
    expect(isCapturedContentType(withContentType("Application/JSON; charset=utf-8"), allowed)).toBe(true);
    expect(isCapturedContentType(withContentType("application/grpc+proto"), allowed)).toBe(true);
    expect(isCapturedContentType(withContentType("application/x-www-form-urlencoded"), allowed)).toBe(true);
    expect(isCapturedContentType(withContentType("text/html"), allowed)).toBe(false);
    expect(isCapturedContentType(withContentType(""), allowed)).toBe(false);
    expect(isCapturedContentType(new HeaderList(serializeHeaders([":path"], ["/json"])), allowed)).toBe(false);
  });
});

describe("parseAddress", () => {
  it("splits IPv4, bracketed IPv6 and leaves bare addresses whole", () => {
    const v4 = parseAddress("10.1.2.3:8443");
    expect(v4.address).toBe("10.1.2.3");
    expect(v4.port).toBe(8443);
    const v6 = parseAddress("[2001:db8::1]:443");
    expect(v6.address).toBe("2001:db8::1");
    expect(v6.port).toBe(443);
    expect(parseAddress("::1").address).toBe("::1");
    expect(parseAddress("::1").port).toBe(0);
    expect(parseAddress("1.2.3.4:99999").port).toBe(0);
  });
});

describe("writeRecord", () => {
  it("writes the TCP peer beside the decided client address when they differ", () => {
    const ex = new Exchange();
    ex.clientAddress = "203.0.113.9";
    ex.clientPeer = "10.0.0.1";
    const out = new ByteBuffer();
    writeRecord(new JsonWriter(out), ex, "istio", "0.1.0", null);
    expect(out.toString().includes('"client":{"address":"203.0.113.9","port":0,"peer":"10.0.0.1"}')).toBe(true);
  });

  it("writes the wire record with path and query split and pseudo-headers left out", () => {
    const ex = new Exchange();
    ex.id = "req-1";
    ex.startNanos = 1700000000000000001;
    ex.durationNanos = 42;
    ex.clientAddress = "127.0.0.1";
    ex.clientPort = 5000;
    ex.protocol = "HTTP/2";
    ex.requestHeaders = new HeaderList(
      serializeHeaders(
        [":method", ":scheme", ":authority", ":path", "content-type"],
        ["POST", "http", "api.example", "/v1/items?id=7&x=a?b", "application/grpc"],
      ),
    );
    ex.responseHeaders = new HeaderList(serializeHeaders([":status", "content-type"], ["200", "application/grpc"]));
    ex.responseTrailers = new HeaderList(serializeHeaders(["grpc-status", "grpc-message"], ["5", "not found"]));
    const out = new ByteBuffer();
    writeRecord(new JsonWriter(out), ex, "istio", "0.1.0", null);
    expect(out.toString()).toBe(
      '{"id":"req-1","service":"istio","module_version":"0.1.0","start_time_unix_nano":"1700000000000000001",' +
        '"duration_nano":42,"client":{"address":"127.0.0.1","port":5000},"request":{"method":"POST","scheme":"http",' +
        '"authority":"api.example","path":"/v1/items","query":"id=7&x=a?b","protocol":"HTTP/2",' +
        '"headers":[["content-type","application/grpc"]]},"response":{"status":200,"headers":[["content-type",' +
        '"application/grpc"]],"trailers":[["grpc-status","5"],["grpc-message","not found"]],"grpc_status":"5"}}',
    );
  });

  it("writes a summary with only what the inventory counts, marked sampled false first", () => {
    const ex = new Exchange();
    ex.id = "req-2";
    ex.clientAddress = "127.0.0.1";
    ex.requestHeaders = new HeaderList(
      serializeHeaders(
        [":method", ":authority", ":path", "x-api-key", "content-type"],
        ["POST", "api.example", "/v1/items?token=abc", "k-123", "application/json"],
      ),
    );
    ex.responseHeaders = new HeaderList(serializeHeaders([":status", "set-cookie"], ["201", "s=1"]));
    ex.requestBody = new BodyCapture(64);
    ex.requestBody!.append(chunk('{"password":"hunter2"}'));
    const out = new ByteBuffer();
    writeRecord(new JsonWriter(out), ex, "s", "v", new RedactionNames(), false);
    const text = out.toString();
    expect(text.startsWith('{"sampled":false,"id":"req-2"')).toBe(true);
    expect(text.includes('"path":"/v1/items","query":"","protocol":"","headers":[["content-type","application/json"]]}')).toBe(true);
    expect(text.includes('"response":{"status":201,"headers":[]}')).toBe(true);
    expect(text.includes("hunter2") || text.includes("k-123") || text.includes("abc")).toBe(false);
  });

  it("falls back to the logged status when the response never got headers", () => {
    const ex = new Exchange();
    ex.fallbackStatus = 503;
    const out = new ByteBuffer();
    writeRecord(new JsonWriter(out), ex, "s", "v", null);
    expect(out.toString().includes('"response":{"status":503,"headers":[]}')).toBe(true);
    expect(out.toString().includes('"path":"","query":""')).toBe(true);
  });
});

describe("Sampler", () => {
  it("keeps exactly rate x exchanges, evenly spread", () => {
    const half = new Sampler(0.5);
    let kept = "";
    for (let i = 0; i < 6; i++) kept += half.keep() ? "1" : "0";
    expect(kept).toBe("010101");
    const tenth = new Sampler(0.1);
    let n = 0;
    for (let i = 0; i < 1000; i++) if (tenth.keep()) n++;
    expect(n).toBe(100);
    const none = new Sampler(0);
    const all = new Sampler(1);
    let noneKept = 0;
    let allKept = 0;
    for (let i = 0; i < 100; i++) {
      if (none.keep()) noneKept++;
      if (all.keep()) allKept++;
    }
    expect(noneKept).toBe(0);
    expect(allKept).toBe(100);
  });

  it("honours a rate below one in a million", () => {
    const rare = new Sampler(2.5e-7);
    let n = 0;
    for (let i = 0; i < 8000000; i++) if (rare.keep()) n++;
    expect(n).toBe(2);
  });
});
