// Plugin configuration: the JSON that Istio passes as `pluginConfig` (or Envoy as the plugin's
// `configuration`). Keys and defaults follow the Helm values users already know. Parsing is pure so it
// can be unit-tested; a bad value yields an error naming the key and the reason.
import { JsonKind, JsonValue, parseJson } from "./json/parse";

export const MAX_BODY_CAPTURE_SIZE: i32 = 16 * 1024 * 1024;

export class ReportConfig {
  path: string = "/v1/records";
  authority: string = "gatewarden-tme";
  maxBatchRecords: i32 = 64;
  maxBatchBytes: i32 = 1024 * 1024;
  flushIntervalMs: u32 = 1000;
  timeoutMs: u32 = 5000;
  maxPendingBatches: i32 = 8;
}

export class Config {
  serviceName: string = "istio";
  bodyCaptureSize: i32 = 131072;
  /** Lower-cased; a content type is captured when it contains any of them. */
  allowedContentTypes: Array<string> = ["json", "x-www-form-urlencoded", "grpc"];
  allowFailureMode: bool = true;
  /** The Envoy cluster that reaches the TME's HTTP port. */
  tmeCluster: string = "gatewarden_tme";
  connectTimeoutMs: u32 = 50;
  requestHandleTimeoutMs: u32 = 200;
  responseHandleTimeoutMs: u32 = 50;
  report: ReportConfig = new ReportConfig();
}

export class ConfigResult {
  config: Config | null = null;
  error: string = "";
  warnings: Array<string> = [];
}

const TOP_KEYS: Array<string> = [
  "serviceName", "bodyCaptureSize", "allowedContentTypes", "allowFailureMode", "tmeCluster",
  "connectTimeout", "requestHandleTimeout", "responseHandleTimeout", "report",
];
const REPORT_KEYS: Array<string> = [
  "path", "authority", "maxBatchRecords", "maxBatchBytes", "flushInterval", "timeout", "maxPendingBatches",
];

/** Carries the first error found while reading fields. */
class Reader {
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

  duration(obj: JsonValue, key: string, name: string, fallbackMs: u32, minMs: u32, maxMs: u32): u32 {
    const v = obj.get(key);
    if (v === null) return fallbackMs;
    let ms: f64 = -1;
    if (v.kind == JsonKind.Number) ms = v.number;
    else if (v.kind == JsonKind.String) ms = parseDurationMs(v.text);
    else {
      this.fail(name, "expected a duration such as \"50ms\" or \"0.2s\", got " + v.kindName());
      return fallbackMs;
    }
    if (ms < 0 || isNaN(ms)) {
      const got = v.kind == JsonKind.Number ? v.number.toString() : "\"" + v.text + "\"";
      this.fail(name, "expected a duration such as \"50ms\" or \"0.2s\", got " + got);
      return fallbackMs;
    }
    const rounded = <u32>Math.ceil(ms);
    if (rounded < minMs || rounded > maxMs) {
      this.fail(name, "must be between " + minMs.toString() + "ms and " + maxMs.toString() + "ms");
      return fallbackMs;
    }
    return rounded;
  }
}

/** "50ms", "0.2s", "1m" or a bare number of milliseconds; -1 when it is none of these. */
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

export function parseConfig(text: string): ConfigResult {
  const result = new ConfigResult();
  const cfg = new Config();
  if (text.trim().length == 0) {
    result.config = cfg;
    return result;
  }
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) {
    result.error = "configuration is not valid JSON: " + parsed.error;
    return result;
  }
  if (root.kind != JsonKind.Object) {
    result.error = "configuration must be a JSON object, got " + root.kindName();
    return result;
  }
  const r = new Reader();
  r.checkKeys(root, TOP_KEYS, "");

  cfg.serviceName = r.str(root, "serviceName", "serviceName", cfg.serviceName);
  cfg.bodyCaptureSize = r.int(root, "bodyCaptureSize", "bodyCaptureSize", cfg.bodyCaptureSize, 0, MAX_BODY_CAPTURE_SIZE);
  cfg.allowFailureMode = r.boolean(root, "allowFailureMode", "allowFailureMode", cfg.allowFailureMode);
  cfg.tmeCluster = r.str(root, "tmeCluster", "tmeCluster", cfg.tmeCluster);
  cfg.connectTimeoutMs = r.duration(root, "connectTimeout", "connectTimeout", cfg.connectTimeoutMs, 1, 60000);
  cfg.requestHandleTimeoutMs = r.duration(root, "requestHandleTimeout", "requestHandleTimeout", cfg.requestHandleTimeoutMs, 1, 60000);
  cfg.responseHandleTimeoutMs = r.duration(root, "responseHandleTimeout", "responseHandleTimeout", cfg.responseHandleTimeoutMs, 1, 60000);

  const types = root.get("allowedContentTypes");
  if (types !== null) {
    if (types.kind != JsonKind.Array) {
      r.fail("allowedContentTypes", "expected an array of strings, got " + types.kindName());
    } else {
      const list = new Array<string>();
      for (let i = 0; i < types.items.length; i++) {
        const item = types.items[i];
        if (item.kind != JsonKind.String || item.text.trim().length == 0) {
          r.fail("allowedContentTypes[" + i.toString() + "]", "expected a non-empty string, got " + item.kindName());
          break;
        }
        list.push(item.text.trim().toLowerCase());
      }
      cfg.allowedContentTypes = list;
    }
  }

  const report = root.get("report");
  if (report !== null) {
    if (report.kind != JsonKind.Object) {
      r.fail("report", "expected an object, got " + report.kindName());
    } else {
      r.checkKeys(report, REPORT_KEYS, "report.");
      const rc = cfg.report;
      rc.path = r.str(report, "path", "report.path", rc.path);
      if (!rc.path.startsWith("/")) r.fail("report.path", "must start with '/'");
      rc.authority = r.str(report, "authority", "report.authority", rc.authority);
      rc.maxBatchRecords = r.int(report, "maxBatchRecords", "report.maxBatchRecords", rc.maxBatchRecords, 1, 10000);
      rc.maxBatchBytes = r.int(report, "maxBatchBytes", "report.maxBatchBytes", rc.maxBatchBytes, 1024, 64 * 1024 * 1024);
      rc.flushIntervalMs = r.duration(report, "flushInterval", "report.flushInterval", rc.flushIntervalMs, 10, 600000);
      rc.timeoutMs = r.duration(report, "timeout", "report.timeout", rc.timeoutMs, 1, 600000);
      rc.maxPendingBatches = r.int(report, "maxPendingBatches", "report.maxPendingBatches", rc.maxPendingBatches, 1, 1024);
    }
  }

  result.warnings = r.warnings;
  if (r.error.length > 0) {
    result.error = r.error;
    return result;
  }
  result.config = cfg;
  return result;
}
