import { parseJson, JsonKind } from "../json/parse";
import { ByteBuffer } from "../json/bytes";
import { JsonWriter, writeJsonStringBytes } from "../json/writer";

function bytesOf(values: Array<u8>): ArrayBuffer {
  const out = new ArrayBuffer(values.length);
  for (let i = 0; i < values.length; i++) store<u8>(changetype<usize>(out) + i, values[i]);
  return out;
}

describe("parseJson", () => {
  it("parses nested objects, arrays, numbers, escapes and literals", () => {
    const r = parseJson('{"a": [1, -2.5e1, true, null], "s": "x\\"\\u00e9\\n", "o": {}}');
    expect(r.error).toBe("");
    const v = r.value!;
    expect(v.kind).toBe(JsonKind.Object);
    const a = v.get("a")!;
    expect(a.items.length).toBe(4);
    expect(a.items[1].number).toBe(-25.0);
    expect(a.items[2].boolean).toBe(true);
    expect(a.items[3].kind).toBe(JsonKind.Null);
    expect(v.get("s")!.text).toBe('x"é\n');
    expect(v.get("o")!.kind).toBe(JsonKind.Object);
    expect(v.get("missing")).toBeNull();
  });

  it("reports where the input went wrong", () => {
    expect(parseJson('{"a": }').error).toBe("unexpected character '}' at offset 6");
    expect(parseJson('{"a": 1').error).toBe("unexpected end of input in an object at offset 7");
    expect(parseJson("[1, 2] x").error).toBe("unexpected text after the JSON value at offset 7");
    expect(parseJson('"abc').error).toBe("unterminated string at offset 4");
  });

  it("refuses nesting deeper than 64 levels instead of exhausting the stack", () => {
    expect(parseJson("[".repeat(100) + "]".repeat(100)).error.includes("nesting deeper than 64")).toBe(true);
  });
});

describe("JsonWriter", () => {
  it("places separators and escapes strings", () => {
    const out = new ByteBuffer(4);
    const w = new JsonWriter(out);
    w.beginObject();
    w.key("a");
    w.string('q"\\\t\u0001é😀');
    w.key("n");
    w.u64(12345678901234567890);
    w.key("s");
    w.u64String(18446744073709551615);
    w.key("l");
    w.beginArray();
    w.bool(true);
    w.bool(false);
    w.beginArray();
    w.endArray();
    w.endArray();
    w.endObject();
    expect(out.toString()).toBe('{"a":"q\\"\\\\\\t\\u0001é😀","n":12345678901234567890,"s":"18446744073709551615","l":[true,false,[]]}');
  });

  it("keeps valid UTF-8 bytes and escapes invalid ones as Latin-1", () => {
    const out = new ByteBuffer();
    // "é" in UTF-8, then a lone 0xff, then a truncated 3-byte sequence.
    const raw = bytesOf([0xc3, 0xa9, 0xff, 0x41, 0xe2, 0x82]);
    writeJsonStringBytes(out, changetype<usize>(raw), raw.byteLength);
    expect(out.toString()).toBe('"é\\u00ffA\\u00e2\\u0082"');
  });

  it("grows the buffer in the middle of a string when escapes outgrow it", () => {
    const out = new ByteBuffer(4);
    const values = new Array<u8>();
    let want = '"';
    for (let i = 0; i < 40; i++) {
      values.push(0x22);
      values.push(0x01);
      values.push(0x41);
      want += '\\"\\u0001A';
    }
    const raw = bytesOf(values);
    writeJsonStringBytes(out, changetype<usize>(raw), raw.byteLength);
    expect(out.toString()).toBe(want + '"');
  });
});
