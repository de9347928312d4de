import { isValidUtf8 } from "../encoding/utf8";
import { writeBase64 } from "../encoding/base64";
import { ByteBuffer } from "../json/bytes";

function bytesOf(values: Array<u8>): ArrayBuffer {
  const out = new ArrayBuffer(values.length);
  for (let i = 0; i < values.length; i++) store<u8>(changetype<usize>(out) + i, values[i]);
  return out;
}

function valid(values: Array<u8>): bool {
  const b = bytesOf(values);
  return isValidUtf8(changetype<usize>(b), b.byteLength);
}

function base64(s: string): string {
  const b = String.UTF8.encode(s);
  const out = new ByteBuffer();
  writeBase64(out, changetype<usize>(b), b.byteLength);
  return out.toString();
}

describe("isValidUtf8", () => {
  it("accepts ASCII, multi-byte characters and long ASCII runs", () => {
    const text = String.UTF8.encode("plain ASCII text that is longer than eight bytes, é, €, 😀");
    expect(isValidUtf8(changetype<usize>(text), text.byteLength)).toBe(true);
    expect(valid([])).toBe(true);
  });

  it("rejects overlongs, surrogates, code points above U+10FFFF, stray and cut sequences", () => {
    expect(valid([0xc0, 0xaf])).toBe(false);
    expect(valid([0xe0, 0x80, 0xaf])).toBe(false);
    expect(valid([0xed, 0xa0, 0x80])).toBe(false);
    expect(valid([0xf4, 0x90, 0x80, 0x80])).toBe(false);
    expect(valid([0x80])).toBe(false);
    expect(valid([0x41, 0xe2, 0x82])).toBe(false);
    expect(valid([0xff, 0xfe])).toBe(false);
  });
});

describe("writeBase64", () => {
  it("matches RFC 4648 test vectors", () => {
    expect(base64("")).toBe("");
    expect(base64("f")).toBe("Zg==");
    expect(base64("fo")).toBe("Zm8=");
    expect(base64("foo")).toBe("Zm9v");
    expect(base64("foob")).toBe("Zm9vYg==");
    expect(base64("fooba")).toBe("Zm9vYmE=");
    expect(base64("foobar")).toBe("Zm9vYmFy");
  });

  it("encodes every byte value", () => {
    const all = new ArrayBuffer(256);
    for (let i = 0; i < 256; i++) store<u8>(changetype<usize>(all) + i, <u8>i);
    const out = new ByteBuffer();
    writeBase64(out, changetype<usize>(all), 256);
    expect(out.length).toBe(344);
    expect(out.toString().startsWith("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj")).toBe(true);
    expect(out.toString().endsWith("+/w==")).toBe(true);
  });
});
