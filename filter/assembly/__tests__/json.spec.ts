import { parseJson, JsonKind } from "../json/parse";
import { ByteBuffer } from "../json/bytes";
import { JsonWriter, lookMask, unitLookMask, writeJsonStringBytes, writeJsonStringUtf16 } from "../json/writer";
import { utf8SequenceLength } from "../encoding/utf8";

/** writeJsonStringBytes one byte at a time, as the format says: the reference for the word-at-a-time writer. */
function referenceString(raw: ArrayBuffer): string {
  const p = changetype<usize>(raw);
  const end = p + <usize>raw.byteLength;
  let out = '"';
  let i = p;
  while (i < end) {
    const b = <u32>load<u8>(i);
    const n = b >= 0x80 ? utf8SequenceLength(i, end) : 1;
    if (b >= 0x80 && n > 0) {
      out += String.UTF8.decodeUnsafe(i, n);
      i += n;
      continue;
    }
    if (b == 0x22) out += '\\"';
    else if (b == 0x5c) out += "\\\\";
    else if (b == 0x0a) out += "\\n";
    else if (b == 0x0d) out += "\\r";
    else if (b == 0x09) out += "\\t";
    else if (b < 0x20 || b >= 0x80) out += "\\u00" + (b < 0x10 ? "0" : "") + b.toString(16);
    else out += String.fromCharCode(b);
    i++;
  }
  return out + '"';
}

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

  it("writes every byte, at every offset in a word, as the byte-at-a-time reference does", () => {
    // Bytes that need a look (quote, backslash, controls, UTF-8 leads and continuations, invalid bytes)
    // among plain ones, by a fixed pseudo-random sequence, in strings of every length up to 40.
    const alphabet: Array<u8> = [
      0x41, 0x7a, 0x20, 0x7e, 0x22, 0x5c, 0x00, 0x0a, 0x1f, 0x7f, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xc0, 0xed,
      0xa0,
    ];
    let seed: u32 = 12345;
    for (let round = 0; round < 400; round++) {
      const len = round % 41;
      const values = new Array<u8>();
      for (let i = 0; i < len; i++) {
        seed = seed * 1103515245 + 12345;
        // Mostly plain letters, so that whole plain words occur too.
        const pick = (seed >> 16) % 64;
        values.push(pick < <u32>alphabet.length ? alphabet[pick] : <u8>(0x61 + (pick % 26)));
      }
      const raw = bytesOf(values);
      const out = new ByteBuffer(1);
      writeJsonStringBytes(out, changetype<usize>(raw), raw.byteLength);
      expect(out.toString()).toBe(referenceString(raw));
    }
  });

  it("finds the bytes that need a look (SIMD) for every byte value at every lane and alignment", () => {
    const raw = new ArrayBuffer(48);
    const base = changetype<usize>(raw);
    // One expectation at the end (a failing case named there): 65,536 expectations would take seconds.
    let wrong = "";
    for (let shift = 0; shift < 16; shift++) {
      for (let lane = 0; lane < 16; lane++) {
        for (let b: u32 = 0; b < 256; b++) {
          memory.fill(base, 0x41, 48);
          store<u8>(base + <usize>(shift + lane), <u8>b);
          const scalar = b < 0x20 || b >= 0x80 || b == 0x22 || b == 0x5c;
          if (lookMask(base + <usize>shift) != (scalar ? 1 << lane : 0)) wrong = `byte ${b} lane ${lane} shift ${shift}`;
        }
      }
    }
    expect(wrong).toBe("");
  });

  it("escapes every byte value and UTF-8 sequence at every offset and alignment as the reference does", () => {
    // Plain filler around one byte (or sequence), so that it falls in the vector, word and byte steps
    // of a 40-byte string; the source and the output start at every alignment of the vector.
    let wrong = "";
    const sequences: Array<Array<u8>> = [
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
    ];
    for (let b: u32 = 0; b < 256 + <u32>sequences.length; b++) {
      const bytes: Array<u8> = b < 256 ? [<u8>b] : sequences[b - 256];
      for (let at = 0; at < 40; at++) {
        const shift = (b + <u32>at) % 16;
        const values = new Array<u8>();
        for (let i = 0; i < 40; i++) values.push(<u8>(0x61 + (i % 26)));
        for (let j = 0; j < bytes.length && at + j < 40; j++) values[at + j] = bytes[j];
        const raw = bytesOf(values);
        const src = new ArrayBuffer(40 + 16);
        memory.copy(changetype<usize>(src) + shift, changetype<usize>(raw), 40);
        const out = new ByteBuffer(1);
        out.writeAscii("x".repeat(<i32>shift));
        writeJsonStringBytes(out, changetype<usize>(src) + shift, 40);
        const want = "x".repeat(<i32>shift) + referenceString(raw);
        if (out.toString() != want) wrong = want;
      }
    }
    expect(wrong).toBe("");
  });
  it("finds the UTF-16 units that are not plain ASCII (SIMD) for every unit class at every lane", () => {
    const units: Array<u16> = [
      0, 1, 0x0a, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7e, 0x7f, 0x80, 0xff, 0x100, 0x122, 0x15c, 0x7ff, 0x800, 0xd800, 0xdc00, 0xffff,
    ];
    const raw = new ArrayBuffer(32);
    const base = changetype<usize>(raw);
    let wrong = "";
    for (let lane = 0; lane < 8; lane++) {
      for (let k = 0; k < units.length; k++) {
        for (let i = 0; i < 16; i++) store<u16>(base + ((<usize>i) << 1), 0x41);
        const u = <u32>units[k];
        store<u16>(base + ((<usize>lane) << 1), <u16>u);
        const scalar = u < 0x20 || u >= 0x80 || u == 0x22 || u == 0x5c;
        if (unitLookMask(base) != (scalar ? 1 << lane : 0)) wrong = `unit ${u} lane ${lane}`;
      }
    }
    expect(wrong).toBe("");
  });

  it("writes a UTF-16 string with each kind of unit at every offset as the byte reference does", () => {
    const inserts: Array<string> = ["\u0000", "\n", "\u001f", " ", '"', "\\", "~", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "€", "😀"];
    let wrong = "";
    for (let k = 0; k < inserts.length + 1; k++) {
      for (let at = 0; at < 24; at++) {
        const filler = "abcdefghijklmnopqrstuvwx";
        const shift = (k + at) % 16;
        const out = new ByteBuffer(1);
        out.writeAscii("x".repeat(shift));
        let want: string;
        if (k < inserts.length) {
          const s = filler.slice(0, at) + inserts[k] + filler.slice(at + 1);
          writeJsonStringUtf16(out, s);
          want = referenceString(String.UTF8.encode(s));
        } else {
          // A lone surrogate has no UTF-8 form: escaped.
          writeJsonStringUtf16(out, filler.slice(0, at) + String.fromCharCode(0xd800) + filler.slice(at + 1));
          want = '"' + filler.slice(0, at) + "\\ud800" + filler.slice(at + 1) + '"';
        }
        if (out.toString() != "x".repeat(shift) + want) wrong = want;
      }
    }
    expect(wrong).toBe("");
  });
});
