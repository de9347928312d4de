// Plugin configuration: the JSON that Istio passes as `pluginConfig` (or Envoy as the plugin's
// `configuration`). Keys and defaults follow the Helm values users already know. Parsing is pure so it
// can be unit-tested; a bad value yields an error naming the key and the reason.
import { JsonKind, parseJson } from "./json/parse";
import { FieldReader } from "./json/fields";
import { Policy } from "./policy/model";
import { parsePolicyValue } from "./policy/parse";
import { RedactionNames } from "./redact/names";
import { MIN_SAMPLE_RATE } from "./report/sampler";
import { DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from "./redact/defaults";
export { parseDurationMs } from "./json/fields";

export const MAX_BODY_CAPTURE_SIZE: i32 = 16 * 1024 * 1024;

export class ReportConfig {
  path: string = "/v1/records";
  authority: string = "gatewarden-tme";
  maxBatchRecords: i32 = 64;
  maxBatchBytes: i32 = 1024 * 1024;
  flushIntervalMs: u32 = 1000;
  timeoutMs: u32 = 5000;
  /** Batches waiting, in flight or waiting for a retry, per worker. */
  maxPendingBatches: i32 = 1024;
  /** Bytes of those batches per worker: a few seconds of traffic, kept through a TME restart. */
  maxBufferBytes: i32 = 32 * 1024 * 1024;
  /**
   * Share of exchanges reported in full; the others are reported as summaries (no bodies, no query, only
   * the content-type headers) that the TME counts in the inventory but does not store. An exchange
   * with a verdict is always reported in full.
   */
  sampleRate: f64 = 1;
}

/** Where the filter fetches policy and deny list from the TME, and how it asks for a verdict. */
export class EnforcementConfig {
  /** How often policy and deny list are polled; 0 turns polling off (the inline policy stays). */
  refreshIntervalMs: u32 = 1000;
  policyPath: string = "/v1/policy";
  denylistPath: string = "/v1/denylist";
  checkPath: string = "/v1/check";
  /** The reply status when a synchronous check fails and allowFailureMode is false. */
  failureStatusCode: i32 = 503;
  /**
   * A request held for its body keeps its headers too, so one blocked on its body never reaches the
   * upstream at all. Only with Envoy's PluginConfig `allow_on_headers_stop_iteration: true` (Envoy ≥ 1.35):
   * without it Envoy turns a headers StopIteration into "stop all" and the body never arrives.
   */
  holdHeadersForBody: bool = false;
  /**
   * Request body bytes held and inspected for attacks, whatever the body's content type (which only
   * decides capture); 0 turns body inspection off. Defaults to bodyCaptureSize.
   */
  inspectBodySize: i32 = 131072;
}

export class Config {
  serviceName: string = "istio";
  bodyCaptureSize: i32 = 131072;
  /** Lower-cased; a content type is captured when it contains any of them. */
  allowedContentTypes: Array<string> = ["json", "x-www-form-urlencoded", "grpc"];
  allowFailureMode: bool = true;
  /** The Envoy cluster that reaches the TME's HTTP port. */
  tmeCluster: string = "gatewarden_tme";
  /** Shared secret sent to the TME on every callout (its TME_AGENT_TOKEN); empty sends none. */
  agentToken: string = "";
  agentTokenHeader: string = "x-gatewarden-agent-token";
  connectTimeoutMs: u32 = 50;
  requestHandleTimeoutMs: u32 = 200;
  responseHandleTimeoutMs: u32 = 50;
  report: ReportConfig = new ReportConfig();
  blockingStatusCode: i32 = 403;
  blockingMessage: string = "Access Forbidden";
  enforcement: EnforcementConfig = new EnforcementConfig();
  /** The policy in force until (and unless) the TME serves one. */
  policy: Policy = new Policy();
  /** Header and field names whose values never leave the filter. */
  redaction: RedactionNames = new RedactionNames();
}

/** Blocking statuses must be client errors: anything outside 400-499 becomes 403. */
export function blockingStatus(code: i32): i32 {
  return code >= 400 && code <= 499 ? code : 403;
}

export class ConfigResult {
  config: Config | null = null;
  error: string = "";
  warnings: Array<string> = [];
}

const TOP_KEYS: Array<string> = [
  "serviceName",
  "bodyCaptureSize",
  "allowedContentTypes",
  "allowFailureMode",
  "tmeCluster",
  "agentToken",
  "agentTokenHeader",
  "connectTimeout",
  "requestHandleTimeout",
  "responseHandleTimeout",
  "report",
  "blockingStatusCode",
  "blockingMessage",
  "enforcement",
  "policy",
  "redaction",
];
const REDACTION_KEYS: Array<string> = ["headers", "fields"];
const ENFORCEMENT_KEYS: Array<string> = [
  "refreshInterval",
  "policyPath",
  "denylistPath",
  "checkPath",
  "failureStatusCode",
  "holdHeadersForBody",
  "inspectBodySize",
];
const REPORT_KEYS: Array<string> = [
  "path",
  "authority",
  "maxBatchRecords",
  "maxBatchBytes",
  "flushInterval",
  "timeout",
  "maxPendingBatches",
  "maxBufferBytes",
  "sampleRate",
];

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
  const r = new FieldReader();
  r.checkKeys(root, TOP_KEYS, "");

  cfg.serviceName = r.str(root, "serviceName", "serviceName", cfg.serviceName);
  cfg.bodyCaptureSize = r.int(root, "bodyCaptureSize", "bodyCaptureSize", cfg.bodyCaptureSize, 0, MAX_BODY_CAPTURE_SIZE);
  cfg.allowFailureMode = r.boolean(root, "allowFailureMode", "allowFailureMode", cfg.allowFailureMode);
  cfg.tmeCluster = r.str(root, "tmeCluster", "tmeCluster", cfg.tmeCluster);
  cfg.agentToken = r.str(root, "agentToken", "agentToken", cfg.agentToken, true);
  cfg.agentTokenHeader = r.str(root, "agentTokenHeader", "agentTokenHeader", cfg.agentTokenHeader).toLowerCase();
  cfg.connectTimeoutMs = r.duration(root, "connectTimeout", "connectTimeout", cfg.connectTimeoutMs, 1, 60000);
  cfg.requestHandleTimeoutMs = r.duration(root, "requestHandleTimeout", "requestHandleTimeout", cfg.requestHandleTimeoutMs, 1, 60000);
  cfg.responseHandleTimeoutMs = r.duration(root, "responseHandleTimeout", "responseHandleTimeout", cfg.responseHandleTimeoutMs, 1, 60000);

  cfg.allowedContentTypes = r.strings(root, "allowedContentTypes", "allowedContentTypes", cfg.allowedContentTypes, true);

  const report = r.object(root, "report", "report");
  if (report !== null) {
    r.checkKeys(report, REPORT_KEYS, "report.");
    const rc = cfg.report;
    rc.path = r.str(report, "path", "report.path", rc.path);
    if (!rc.path.startsWith("/")) r.fail("report.path", "must start with '/'");
    rc.authority = r.str(report, "authority", "report.authority", rc.authority);
    rc.maxBatchRecords = r.int(report, "maxBatchRecords", "report.maxBatchRecords", rc.maxBatchRecords, 1, 10000);
    rc.maxBatchBytes = r.int(report, "maxBatchBytes", "report.maxBatchBytes", rc.maxBatchBytes, 1024, 64 * 1024 * 1024);
    rc.flushIntervalMs = r.duration(report, "flushInterval", "report.flushInterval", rc.flushIntervalMs, 10, 600000);
    rc.timeoutMs = r.duration(report, "timeout", "report.timeout", rc.timeoutMs, 1, 600000);
    rc.maxPendingBatches = r.int(report, "maxPendingBatches", "report.maxPendingBatches", rc.maxPendingBatches, 1, 65536);
    rc.maxBufferBytes = r.int(report, "maxBufferBytes", "report.maxBufferBytes", rc.maxBufferBytes, 64 * 1024, 1024 * 1024 * 1024);
    const rate = r.fraction(report, "sampleRate", "report.sampleRate", rc.sampleRate);
    // A finer rate would keep nothing, silently.
    if (rate > 0 && rate < MIN_SAMPLE_RATE) r.fail("report.sampleRate", "must be 0 or at least 1e-12, got " + rate.toString());
    else rc.sampleRate = rate;
  }

  // Out-of-range statuses are not an error: like the commercial agent, they fall back to 403.
  cfg.blockingStatusCode = blockingStatus(r.int(root, "blockingStatusCode", "blockingStatusCode", cfg.blockingStatusCode, 0, 999));
  cfg.blockingMessage = r.str(root, "blockingMessage", "blockingMessage", cfg.blockingMessage, true);

  const enforcement = r.object(root, "enforcement", "enforcement");
  if (enforcement !== null) {
    r.checkKeys(enforcement, ENFORCEMENT_KEYS, "enforcement.");
    const ec = cfg.enforcement;
    ec.refreshIntervalMs = r.duration(enforcement, "refreshInterval", "enforcement.refreshInterval", ec.refreshIntervalMs, 0, 3600000);
    ec.policyPath = r.str(enforcement, "policyPath", "enforcement.policyPath", ec.policyPath);
    ec.denylistPath = r.str(enforcement, "denylistPath", "enforcement.denylistPath", ec.denylistPath);
    ec.checkPath = r.str(enforcement, "checkPath", "enforcement.checkPath", ec.checkPath);
    ec.failureStatusCode = r.int(enforcement, "failureStatusCode", "enforcement.failureStatusCode", ec.failureStatusCode, 400, 599);
    ec.holdHeadersForBody = r.boolean(enforcement, "holdHeadersForBody", "enforcement.holdHeadersForBody", ec.holdHeadersForBody);
  }
  cfg.enforcement.inspectBodySize =
    enforcement !== null
      ? r.int(enforcement, "inspectBodySize", "enforcement.inspectBodySize", cfg.bodyCaptureSize, 0, MAX_BODY_CAPTURE_SIZE)
      : cfg.bodyCaptureSize;

  const redaction = r.object(root, "redaction", "redaction");
  if (redaction !== null) {
    r.checkKeys(redaction, REDACTION_KEYS, "redaction.");
    cfg.redaction = new RedactionNames(
      r.strings(redaction, "headers", "redaction.headers", DEFAULT_REDACT_HEADERS, true),
      r.strings(redaction, "fields", "redaction.fields", DEFAULT_REDACT_FIELDS, true),
    );
  }

  const policy = r.object(root, "policy", "policy");
  if (policy !== null && r.error.length == 0) {
    const parsedPolicy = parsePolicyValue(policy);
    for (let i = 0; i < parsedPolicy.warnings.length; i++) r.warnings.push("policy." + parsedPolicy.warnings[i]);
    const p = parsedPolicy.policy;
    if (p === null) {
      const err = parsedPolicy.error;
      const colon = err.indexOf(": ");
      r.fail("policy." + err.substring(0, colon), err.substring(colon + 2));
    } else {
      cfg.policy = p;
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
