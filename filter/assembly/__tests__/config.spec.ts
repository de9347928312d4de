import { parseConfig, parseDurationMs } from "../config";

function errorOf(json: string): string {
  return parseConfig(json).error;
}

describe("parseConfig", () => {
  it("gives the documented defaults for an empty configuration", () => {
    const cfg = parseConfig("").config!;
    expect(cfg.serviceName).toBe("istio");
    expect(cfg.bodyCaptureSize).toBe(131072);
    expect(cfg.allowedContentTypes.join(",")).toBe("json,x-www-form-urlencoded,grpc");
    expect(cfg.allowFailureMode).toBe(true);
    expect(cfg.tmeCluster).toBe("gatewarden_tme");
    expect(cfg.connectTimeoutMs).toBe(50);
    expect(cfg.requestHandleTimeoutMs).toBe(200);
    expect(cfg.responseHandleTimeoutMs).toBe(50);
    expect(cfg.report.maxBatchRecords).toBe(64);
    expect(cfg.report.flushIntervalMs).toBe(1000);
    expect(cfg.report.sampleRate).toBe(1.0);
    expect(cfg.enforcement.holdHeadersForBody).toBe(false);
    expect(parseConfig("  {}  ").config!.serviceName).toBe("istio");
  });

  it("reads every key", () => {
    const cfg = parseConfig(
      '{"serviceName":"shop","bodyCaptureSize":10,"allowedContentTypes":[" JSON ","text/"],' +
        '"allowFailureMode":false,"tmeCluster":"tme","agentToken":"s3cret-token","agentTokenHeader":"X-Agent","connectTimeout":"1s","requestHandleTimeout":"0.5s",' +
        '"responseHandleTimeout":75,"report":{"path":"/r","authority":"a","maxBatchRecords":5,"maxBatchBytes":2048,' +
        '"flushInterval":"20ms","timeout":"3s","maxPendingBatches":2,"maxBufferBytes":65536,"sampleRate":0.25}}',
    ).config!;
    expect(cfg.serviceName).toBe("shop");
    expect(cfg.bodyCaptureSize).toBe(10);
    expect(cfg.allowedContentTypes.join(",")).toBe("json,text/");
    expect(cfg.allowFailureMode).toBe(false);
    expect(cfg.tmeCluster).toBe("tme");
    expect(cfg.connectTimeoutMs).toBe(1000);
    expect(cfg.requestHandleTimeoutMs).toBe(500);
    expect(cfg.responseHandleTimeoutMs).toBe(75);
    expect(cfg.report.path).toBe("/r");
    expect(cfg.report.authority).toBe("a");
    expect(cfg.report.maxBatchRecords).toBe(5);
    expect(cfg.report.maxBatchBytes).toBe(2048);
    expect(cfg.report.flushIntervalMs).toBe(20);
    expect(cfg.report.timeoutMs).toBe(3000);
    expect(cfg.report.maxPendingBatches).toBe(2);
    expect(cfg.report.maxBufferBytes).toBe(65536);
    expect(cfg.report.sampleRate).toBe(0.25);
    expect(cfg.agentToken).toBe("s3cret-token");
    expect(cfg.agentTokenHeader).toBe("x-agent");
  });

  it("names the key and the reason for a bad value", () => {
    expect(errorOf('{"report":{"sampleRate":1e-13}}')).toBe("report.sampleRate: must be 0 or at least 1e-12, got 1e-13");
    expect(errorOf('{"bodyCaptureSize":-1}')).toBe("bodyCaptureSize: must be between 0 and 16777216, got -1.0");
    expect(errorOf('{"bodyCaptureSize":"big"}')).toBe("bodyCaptureSize: expected an integer, got a string");
    expect(errorOf('{"bodyCaptureSize":1.5}')).toBe("bodyCaptureSize: expected an integer, got 1.5");
    expect(errorOf('{"allowFailureMode":"yes"}')).toBe("allowFailureMode: expected true or false, got a string");
    expect(errorOf('{"allowedContentTypes":"json"}')).toBe("allowedContentTypes: expected an array of strings, got a string");
    expect(errorOf('{"allowedContentTypes":["json", 3]}')).toBe("allowedContentTypes[1]: expected a non-empty string, got a number");
    expect(errorOf('{"connectTimeout":"fast"}')).toBe('connectTimeout: expected a duration such as "50ms", "0.2s" or "1h", got "fast"');
    expect(errorOf('{"connectTimeout":-5}')).toBe('connectTimeout: expected a duration such as "50ms", "0.2s" or "1h", got -5.0');
    expect(errorOf('{"report":{"maxBatchRecords":0}}')).toBe("report.maxBatchRecords: must be between 1 and 10000, got 0.0");
    expect(errorOf('{"report":{"path":"records"}}')).toBe("report.path: must start with '/'");
    expect(errorOf('{"report":[]}')).toBe("report: expected an object, got an array");
    expect(errorOf('{"report":{"sampleRate":1.5}}')).toBe("report.sampleRate: must be between 0 and 1, got 1.5");
    expect(errorOf('{"report":{"sampleRate":"half"}}')).toBe("report.sampleRate: expected a number from 0 to 1, got a string");
    expect(errorOf('{"serviceName":""}')).toBe("serviceName: must not be empty");
    expect(errorOf('{"enforcement":{"holdHeadersForBody":1}}')).toBe(
      "enforcement.holdHeadersForBody: expected true or false, got a number",
    );
    expect(parseConfig('{"enforcement":{"holdHeadersForBody":true}}').config!.enforcement.holdHeadersForBody).toBe(true);
    expect(errorOf('{"enforcement":{"inspectBodySize":-1}}')).toBe("enforcement.inspectBodySize: must be between 0 and 16777216, got -1.0");
    expect(errorOf('{"enforcement":{"inspectBodySize":"big"}}')).toBe("enforcement.inspectBodySize: expected an integer, got a string");
    // Defaults to bodyCaptureSize, whether or not an enforcement block is given.
    expect(parseConfig('{"bodyCaptureSize":2048}').config!.enforcement.inspectBodySize).toBe(2048);
    expect(parseConfig('{"bodyCaptureSize":2048,"enforcement":{"refreshInterval":0}}').config!.enforcement.inspectBodySize).toBe(2048);
    expect(parseConfig('{"bodyCaptureSize":2048,"enforcement":{"inspectBodySize":0}}').config!.enforcement.inspectBodySize).toBe(0);
    expect(errorOf("[1]")).toBe("configuration must be a JSON object, got an array");
    expect(errorOf("{oops")).toBe("configuration is not valid JSON: expected a string key at offset 1");
  });

  it("keeps blocking statuses within 400-499, turning anything else into 403", () => {
    expect(parseConfig('{"blockingStatusCode":429}').config!.blockingStatusCode).toBe(429);
    expect(parseConfig('{"blockingStatusCode":600}').config!.blockingStatusCode).toBe(403);
    expect(parseConfig('{"blockingStatusCode":302}').config!.blockingStatusCode).toBe(403);
    expect(parseConfig("{}").config!.blockingMessage).toBe("Access Forbidden");
  });

  it("reports a bad inline policy under the policy key", () => {
    expect(errorOf('{"policy":{"rules":[{"id":"x","action":"deny","match":{}}]}}')).toBe(
      'policy.rules[0].action: must be one of allow, monitor, block, got "deny"',
    );
    expect(errorOf('{"policy":{"detection":{"categories":["sqli","spam"]}}}')).toBe(
      'policy.detection.categories[1]: unknown category "spam" (known: sqli, xss, traversal, cmdi, jndi, ssti, nosqli, xxe, ldapi, crlf, scanner, php, java, rfi, ssrf, protopollution, protocol, sessionfixation)',
    );
  });

  it("warns about unknown keys without refusing them", () => {
    const r = parseConfig('{"bodyCaptureSise":10,"report":{"flush":1}}');
    expect(r.error).toBe("");
    expect(r.warnings.join("|")).toBe("bodyCaptureSise: unknown key, ignored|report.flush: unknown key, ignored");
  });

  it("accepts a configuration larger than 8 KiB", () => {
    let types = '"json"';
    for (let i = 0; i < 1000; i++) types += ',"application/vnd.example-' + i.toString() + '"';
    const r = parseConfig('{"allowedContentTypes":[' + types + "]}");
    expect(r.error).toBe("");
    expect(r.config!.allowedContentTypes.length).toBe(1001);
  });
});

describe("parseDurationMs", () => {
  it("reads ms, s, m and bare milliseconds", () => {
    expect(parseDurationMs("50ms")).toBe(50.0);
    expect(parseDurationMs("0.2s")).toBe(200.0);
    expect(parseDurationMs("2m")).toBe(120000.0);
    expect(parseDurationMs("1h")).toBe(3600000.0);
    expect(parseDurationMs("15")).toBe(15.0);
    expect(parseDurationMs("s")).toBe(-1.0);
    expect(parseDurationMs("1.2.3s")).toBe(-1.0);
    expect(parseDurationMs("-1s")).toBe(-1.0);
  });
});
