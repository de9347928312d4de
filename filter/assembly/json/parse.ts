// A small JSON parser for plugin configuration and policy documents. Errors carry the offset, so a
// bad configuration is reported with where it went wrong.

import { hexValue } from "../encoding/hex";

export enum JsonKind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  boolean: bool = false;
  number: f64 = 0;
  text: string = "";
  items: Array<JsonValue> = [];
  keys: Array<string> = [];

  static of(kind: JsonKind): JsonValue {
    const v = new JsonValue();
    v.kind = kind;
    return v;
  }

  /** The member named `key` of an object (the last one if repeated), or null. */
  get(key: string): JsonValue | null {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] == key) return this.items[i];
    }
    return null;
  }

  kindName(): string {
    switch (this.kind) {
      case JsonKind.Null:
        return "null";
      case JsonKind.Bool:
        return "a boolean";
      case JsonKind.Number:
        return "a number";
      case JsonKind.String:
        return "a string";
      case JsonKind.Array:
        return "an array";
      default:
        return "an object";
    }
  }
}

export class JsonParseResult {
  value: JsonValue | null = null;
  error: string = "";
}

const MAX_DEPTH = 64;

class Parser {
  pos: i32 = 0;
  error: string = "";

  constructor(public src: string) {}

  fail(message: string): JsonValue | null {
    if (this.error.length == 0) this.error = message + " at offset " + this.pos.toString();
    return null;
  }

  skipSpace(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting deeper than " + MAX_DEPTH.toString());
    this.skipSpace();
    if (this.pos >= this.src.length) return this.fail("unexpected end of input");
    const c = this.src.charCodeAt(this.pos);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      if (s === null) return null;
      const v = JsonValue.of(JsonKind.String);
      v.text = s;
      return v;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.literal("true")) {
      const v = JsonValue.of(JsonKind.Bool);
      v.boolean = true;
      return v;
    }
    if (this.literal("false")) return JsonValue.of(JsonKind.Bool);
    if (this.literal("null")) return JsonValue.of(JsonKind.Null);
    return this.fail("unexpected character '" + String.fromCharCode(c) + "'");
  }

  literal(word: string): bool {
    if (this.src.substr(this.pos, word.length) == word) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  object(depth: i32): JsonValue | null {
    const obj = JsonValue.of(JsonKind.Object);
    this.pos++;
    this.skipSpace();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 0x7d) {
      this.pos++;
      return obj;
    }
    while (true) {
      this.skipSpace();
      if (this.pos >= this.src.length || this.src.charCodeAt(this.pos) != 0x22) return this.fail("expected a string key");
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.pos >= this.src.length || this.src.charCodeAt(this.pos) != 0x3a) return this.fail("expected ':'");
      this.pos++;
      const v = this.value(depth + 1);
      if (v === null) return null;
      obj.keys.push(key);
      obj.items.push(v);
      this.skipSpace();
      if (this.pos >= this.src.length) return this.fail("unexpected end of input in an object");
      const c = this.src.charCodeAt(this.pos++);
      if (c == 0x7d) return obj;
      if (c != 0x2c) {
        this.pos--;
        return this.fail("expected ',' or '}'");
      }
    }
  }

  array(depth: i32): JsonValue | null {
    const arr = JsonValue.of(JsonKind.Array);
    this.pos++;
    this.skipSpace();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 0x5d) {
      this.pos++;
      return arr;
    }
    while (true) {
      const v = this.value(depth + 1);
      if (v === null) return null;
      arr.items.push(v);
      this.skipSpace();
      if (this.pos >= this.src.length) return this.fail("unexpected end of input in an array");
      const c = this.src.charCodeAt(this.pos++);
      if (c == 0x5d) return arr;
      if (c != 0x2c) {
        this.pos--;
        return this.fail("expected ',' or ']'");
      }
    }
  }

  number(): JsonValue | null {
    const start = this.pos;
    const s = this.src;
    if (s.charCodeAt(this.pos) == 0x2d) this.pos++;
    const digitsStart = this.pos;
    while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
    if (this.pos == digitsStart) return this.fail("expected a digit");
    if (this.pos < s.length && s.charCodeAt(this.pos) == 0x2e) {
      this.pos++;
      const frac = this.pos;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
      if (this.pos == frac) return this.fail("expected a digit after '.'");
    }
    if (this.pos < s.length && (s.charCodeAt(this.pos) | 0x20) == 0x65) {
      this.pos++;
      if (this.pos < s.length && (s.charCodeAt(this.pos) == 0x2b || s.charCodeAt(this.pos) == 0x2d)) this.pos++;
      const exp = this.pos;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
      if (this.pos == exp) return this.fail("expected a digit in the exponent");
    }
    const v = JsonValue.of(JsonKind.Number);
    v.number = parseFloat(s.substring(start, this.pos));
    return v;
  }

  string(): string | null {
    const s = this.src;
    this.pos++; // opening quote
    const start = this.pos;
    let run = start;
    // Decoded code units go to a buffer (never longer than the raw string), not into string
    // concatenations: a string of 65,000 escapes must cost 65,000 steps, not their square.
    let out: ArrayBuffer | null = null;
    let n = 0;
    while (true) {
      if (this.pos >= s.length) {
        this.fail("unterminated string");
        return null;
      }
      const c = s.charCodeAt(this.pos);
      if (c == 0x22) {
        if (out === null) {
          this.pos++;
          return s.substring(start, this.pos - 1);
        }
        n = copyUnits(out, n, s, run, this.pos);
        this.pos++;
        return String.UTF16.decodeUnsafe(changetype<usize>(out), (<usize>n) << 1);
      }
      if (c < 0x20) {
        this.fail("control character in a string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      if (out === null) out = new ArrayBuffer(rawStringLength(s, start) << 1);
      n = copyUnits(out, n, s, run, this.pos);
      this.pos++;
      if (this.pos >= s.length) {
        this.fail("unterminated escape");
        return null;
      }
      const e = s.charCodeAt(this.pos++);
      let unit = 0;
      if (e == 0x22 || e == 0x5c || e == 0x2f) unit = e;
      else if (e == 0x62) unit = 0x08;
      else if (e == 0x66) unit = 0x0c;
      else if (e == 0x6e) unit = 0x0a;
      else if (e == 0x72) unit = 0x0d;
      else if (e == 0x74) unit = 0x09;
      else if (e == 0x75) {
        let code = 0;
        for (let i = 0; i < 4; i++) {
          const h = this.pos < s.length ? hexValue(<u32>s.charCodeAt(this.pos)) : -1;
          if (h < 0) {
            this.fail("bad \\u escape");
            return null;
          }
          code = (code << 4) | h;
          this.pos++;
        }
        unit = code;
      } else {
        this.pos--;
        this.fail("bad escape");
        return null;
      }
      store<u16>(changetype<usize>(out) + ((<usize>n) << 1), <u16>unit);
      n++;
      run = this.pos;
    }
  }
}

/** Code units from `start` to the string's closing quote (or the end): its decoded length at most. */
function rawStringLength(s: string, start: i32): i32 {
  let i = start;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c == 0x22) break;
    i += c == 0x5c ? 2 : 1;
  }
  return (i < s.length ? i : s.length) - start;
}

function copyUnits(out: ArrayBuffer, n: i32, s: string, from: i32, to: i32): i32 {
  memory.copy(changetype<usize>(out) + ((<usize>n) << 1), changetype<usize>(s) + ((<usize>from) << 1), (<usize>(to - from)) << 1);
  return n + to - from;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

export function parseJson(text: string): JsonParseResult {
  const p = new Parser(text);
  const result = new JsonParseResult();
  const v = p.value(0);
  if (v !== null) {
    p.skipSpace();
    if (p.pos < text.length) {
      p.fail("unexpected text after the JSON value");
    } else {
      result.value = v;
    }
  }
  result.error = p.error;
  return result;
}
