// The three ways Envoy attaches to Gatewarden, as bootstrap templates in envoy/ and the values of
// their placeholders: wasm (the filter, default), ext_proc (Envoy streams exchanges to the TME's gRPC
// port) and ext_authz (Envoy asks the TME's gRPC port for a verdict). Shared by npm start and the tests.

export type GatewardenMode = "wasm" | "ext_proc" | "ext_authz";

export const TEMPLATES: Record<GatewardenMode, string> = {
  wasm: "wasm.yaml",
  ext_proc: "ext-proc.yaml",
  ext_authz: "ext-authz.yaml",
};

/** ext_proc settings, named as the chart's extProc.* values; defaults are the chart's. */
export interface ExtProcModes {
  requestHeaderMode: "SEND" | "SKIP";
  responseHeaderMode: "SEND" | "SKIP";
  requestBodyMode: "NONE" | "STREAMED" | "BUFFERED" | "BUFFERED_PARTIAL";
  responseBodyMode: "NONE" | "STREAMED" | "BUFFERED" | "BUFFERED_PARTIAL";
  requestTrailerMode: "SEND" | "SKIP";
  responseTrailerMode: "SEND" | "SKIP";
  observabilityMode: boolean;
  allowModeOverride: boolean;
  /** Envoy's failure_mode_allow (the chart's extProc.allowFailureMode). */
  allowFailureMode: boolean;
  /** A proto duration, e.g. "0.2s". */
  messageTimeout: string;
}

export const EXTPROC_DEFAULTS: ExtProcModes = {
  requestHeaderMode: "SEND",
  responseHeaderMode: "SEND",
  requestBodyMode: "BUFFERED_PARTIAL",
  responseBodyMode: "BUFFERED_PARTIAL",
  requestTrailerMode: "SKIP",
  responseTrailerMode: "SEND",
  observabilityMode: false,
  allowModeOverride: false,
  allowFailureMode: true,
  messageTimeout: "0.2s",
};

/** Placeholder values of envoy/ext-proc.yaml. */
export function extProcVars(modes: Partial<ExtProcModes>, ports: { upstream: number; tmeGrpc: number }): Record<string, string | number> {
  const m = { ...EXTPROC_DEFAULTS, ...modes };
  return {
    UPSTREAM_PORT: ports.upstream,
    TME_GRPC_PORT: ports.tmeGrpc,
    EXTPROC_REQUEST_HEADER_MODE: m.requestHeaderMode,
    EXTPROC_RESPONSE_HEADER_MODE: m.responseHeaderMode,
    EXTPROC_REQUEST_BODY_MODE: m.requestBodyMode,
    EXTPROC_RESPONSE_BODY_MODE: m.responseBodyMode,
    EXTPROC_REQUEST_TRAILER_MODE: m.requestTrailerMode,
    EXTPROC_RESPONSE_TRAILER_MODE: m.responseTrailerMode,
    EXTPROC_OBSERVABILITY_MODE: String(m.observabilityMode),
    EXTPROC_ALLOW_MODE_OVERRIDE: String(m.allowModeOverride),
    EXTPROC_FAILURE_MODE_ALLOW: String(m.allowFailureMode),
    EXTPROC_MESSAGE_TIMEOUT: m.messageTimeout,
  };
}

export interface ExtAuthzSettings {
  allowFailureMode: boolean;
  /** A proto duration, e.g. "0.2s". */
  timeout: string;
  /** Body bytes sent with each check: the TME's TME_BODY_CAPTURE_SIZE. */
  maxRequestBytes: number;
}

export const EXTAUTHZ_DEFAULTS: ExtAuthzSettings = { allowFailureMode: true, timeout: "0.2s", maxRequestBytes: 131072 };

/** Placeholder values of envoy/ext-authz.yaml. */
export function extAuthzVars(
  settings: Partial<ExtAuthzSettings>,
  ports: { upstream: number; tmeGrpc: number },
): Record<string, string | number> {
  const s = { ...EXTAUTHZ_DEFAULTS, ...settings };
  return {
    UPSTREAM_PORT: ports.upstream,
    TME_GRPC_PORT: ports.tmeGrpc,
    EXTAUTHZ_FAILURE_MODE_ALLOW: String(s.allowFailureMode),
    EXTAUTHZ_TIMEOUT: s.timeout,
    EXTAUTHZ_MAX_REQUEST_BYTES: s.maxRequestBytes,
  };
}
