// Reads typed fields out of parsed JSON, collecting the first error as "<field>: <reason>" so that a bad
// configuration or policy names what is wrong. Shared by the plugin configuration and the policy.
import { JsonKind, JsonValue } from "./parse";

/** Carries the first error found while reading fields. */
export class FieldReader {
  error: string = "";
  warnings: Array<string> = [];

  fail(key: string, reason: string): void {
    if (this.error.length == 0) this.error = key + ": " + reason;
  }

  checkKeys(obj: JsonValue, known: Array<string>, prefix: string): void {
    for (let i = 0; i < obj.keys.length; i++) {
      if (!known.includes(obj.keys[i])) this.warnings.push(prefix + obj.keys[i] + ": unknown key, ignored");
    }
  }

  str(obj: JsonValue, key: string, name: string, fallback: string, allowEmpty: bool = false): string {
    const v = obj.get(key);
    if (v === null) return fallback;
    if (v.kind != JsonKind.String) {
      this.fail(name, "expected a string, got " + v.kindName());
      return fallback;
    }
    if (!allowEmpty && v.text.length == 0) {
      this.fail(name, "must not be empty");
      return fallback;
    }
    return v.text;
  }

  boolean(obj: JsonValue, key: string, name: string, fallback: bool): bool {
    const v = obj.get(key);
    if (v === null) return fallback;
    if (v.kind != JsonKind.Bool) {
      this.fail(name, "expected true or false, got " + v.kindName());
      return fallback;
    }
    return v.boolean;
  }

  int(obj: JsonValue, key: string, name: string, fallback: i32, min: i32, max: i32): i32 {
    const v = obj.get(key);
    if (v === null) return fallback;
    if (v.kind != JsonKind.Number || v.number != Math.floor(v.number)) {
      this.fail(name, "expected an integer, got " + (v.kind == JsonKind.Number ? v.number.toString() : v.kindName()));
      return fallback;
    }
    if (v.number < <f64>min || v.number > <f64>max) {
      this.fail(name, "must be between " + min.toString() + " and " + max.toString() + ", got " + v.number.toString());
      return fallback;
    }
    return <i32>v.number;
  }

  /** A number from 0 to 1 (a rate or a share). */
  fraction(obj: JsonValue, key: string, name: string, fallback: f64): f64 {
    const v = obj.get(key);
    if (v === null) return fallback;
    if (v.kind != JsonKind.Number) {
      this.fail(name, "expected a number from 0 to 1, got " + v.kindName());
      return fallback;
    }
    if (!(v.number >= 0 && v.number <= 1)) {
      this.fail(name, "must be between 0 and 1, got " + v.number.toString());
      return fallback;
    }
    return v.number;
  }

  duration(obj: JsonValue, key: string, name: string, fallbackMs: u32, minMs: u32, maxMs: u32): u32 {
    const v = obj.get(key);
    if (v === null) return fallbackMs;
    let ms: f64 = -1;
    if (v.kind == JsonKind.Number) ms = v.number;
    else if (v.kind == JsonKind.String) ms = parseDurationMs(v.text);
    else {
      this.fail(name, 'expected a duration such as "50ms", "0.2s" or "1h", got ' + v.kindName());
      return fallbackMs;
    }
    if (ms < 0 || isNaN(ms)) {
      const got = v.kind == JsonKind.Number ? v.number.toString() : '"' + v.text + '"';
      this.fail(name, 'expected a duration such as "50ms", "0.2s" or "1h", got ' + got);
      return fallbackMs;
    }
    const rounded = <u32>Math.ceil(ms);
    if (rounded < minMs || rounded > maxMs) {
      this.fail(name, "must be between " + minMs.toString() + "ms and " + maxMs.toString() + "ms");
      return fallbackMs;
    }
    return rounded;
  }

  /** An array of non-empty strings, trimmed; lower-cased when `lower`. */
  strings(obj: JsonValue, key: string, name: string, fallback: Array<string>, lower: bool): Array<string> {
    const v = obj.get(key);
    if (v === null) return fallback;
    if (v.kind != JsonKind.Array) {
      this.fail(name, "expected an array of strings, got " + v.kindName());
      return fallback;
    }
    const list = new Array<string>();
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      if (item.kind != JsonKind.String || item.text.trim().length == 0) {
        this.fail(name + "[" + i.toString() + "]", "expected a non-empty string, got " + item.kindName());
        return fallback;
      }
      list.push(lower ? item.text.trim().toLowerCase() : item.text.trim());
    }
    return list;
  }

  /** The member as an object, or null (with an error when it is present but not an object). */
  object(obj: JsonValue, key: string, name: string): JsonValue | null {
    const v = obj.get(key);
    if (v === null) return null;
    if (v.kind != JsonKind.Object) {
      this.fail(name, "expected an object, got " + v.kindName());
      return null;
    }
    return v;
  }
}

/** "50ms", "0.2s", "1m", "1h" or a bare number of milliseconds; -1 when it is none of these. */
export function parseDurationMs(text: string): f64 {
  const t = text.trim();
  let unit: f64 = 1;
  let digits = t;
  if (t.endsWith("ms")) digits = t.substring(0, t.length - 2);
  else if (t.endsWith("s")) {
    unit = 1000;
    digits = t.substring(0, t.length - 1);
  } else if (t.endsWith("m")) {
    unit = 60000;
    digits = t.substring(0, t.length - 1);
  } else if (t.endsWith("h")) {
    unit = 3600000;
    digits = t.substring(0, t.length - 1);
  }
  if (digits.length == 0) return -1;
  let dots = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c == 0x2e) dots++;
    else if (c < 0x30 || c > 0x39) return -1;
  }
  if (dots > 1 || digits == ".") return -1;
  return parseFloat(digits) * unit;
}
