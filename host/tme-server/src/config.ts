// Every setting of the TME, read from environment variables and validated once
// at startup. The table below is the single reference: `--help` prints it.
import { join } from 'node:path';
import { z } from 'zod';
import { MIN_SAMPLE_RATE } from './sampling/store-sampler.ts';

const MiB = 1024 * 1024;

// The same lists as the filter's (filter/assembly/redact/defaults.ts); test/tme/redaction-defaults.test.ts compares them.
export const DEFAULT_REDACT_HEADERS =
  'authorization,proxy-authorization,cookie,set-cookie,x-api-key,api-key,x-auth-token,x-csrf-token,x-xsrf-token,x-amz-security-token';
export const DEFAULT_REDACT_FIELDS =
  'password,passwd,pass,pwd,secret,token,api_key,apikey,access_token,refresh_token,id_token,client_secret,credentials,' +
  'authorization,proxy-authorization,cookie,set-cookie,x-api-key,api-key,x-auth-token,x-csrf-token,x-xsrf-token,x-amz-security-token,' +
  'csrf_token,session_token,private_key';

function integer(min: number, max: number) {
  const range = `expected an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, range)
    .transform(Number)
    .refine((n) => n >= min && n <= max, range);
}

const nameList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  )
  .refine((names) => names.every((name) => /^[\w.!#$%&'*+^`|~-]+$/.test(name)), 'expected comma-separated names');

const contentTypeList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item !== ''),
  )
  .refine((items) => items.length > 0, 'expected comma-separated content types (or parts of them, e.g. json)');

// Like the filter's blockingStatusCode: anything outside 400-499 becomes 403.
const blockingStatus = integer(0, 999).transform((code) => (code >= 400 && code <= 499 ? code : 403));

// Any unsigned decimal, e-notation included: Helm renders a small rate such as 0.00005 as 5e-05.
const fraction = z
  .string()
  .regex(/^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/, 'expected a number from 0 to 1')
  .transform(Number)
  .refine((n) => n <= 1, 'expected a number from 0 to 1')
  // A finer rate would store nothing, silently.
  .refine((n) => n === 0 || n >= MIN_SAMPLE_RATE, 'must be 0 or at least 1e-12');

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

interface Variable<T> {
  schema: z.ZodType<T, string>;
  default?: string;
  help: string;
}

function variable<T>(schema: z.ZodType<T, string>, help: string, defaultValue?: string): Variable<T> {
  return { schema, help, default: defaultValue };
}

export const VARIABLES = {
  TME_HOST: variable(z.string().min(1, 'expected a host address'), 'address the HTTP and gRPC servers listen on', '127.0.0.1'),
  TME_HTTP_PORT: variable(integer(0, 65535), 'HTTP port: report ingest, /v1/captures, /healthz, /metrics (0 = pick a free port)', '5442'),
  TME_GRPC_PORT: variable(
    integer(0, 65535),
    'gRPC port: grpc.health.v1.Health, Envoy ext_proc (ExternalProcessor) and ext_authz (Authorization) (0 = pick a free port)',
    '5441',
  ),
  TME_MAX_BATCH_BYTES: variable(integer(1024, 1024 * MiB), 'largest accepted request body in bytes; larger gets 413', String(16 * MiB)),
  TME_MAX_INFLIGHT_BODY_BYTES: variable(
    integer(1024, 4096 * MiB),
    'bytes of request bodies held at once across all connections; a request beyond gets 503 (counted in tme_request_bodies_refused_total)',
    String(64 * MiB),
  ),
  TME_SPOOL_DIR: variable(
    z.string().min(1, 'expected a directory path'),
    'directory of the append-only JSONL spool of accepted captures',
    '.cache/tme/spool',
  ),
  TME_SPOOL_FSYNC: variable(
    z.enum(['always', 'interval', 'never'], { error: 'expected always, interval or never' }),
    'when the spool is flushed to disk: always (before each acknowledgement), interval, never',
    'always',
  ),
  TME_SPOOL_FSYNC_INTERVAL_MS: variable(integer(10, 60_000), 'flush period in milliseconds when TME_SPOOL_FSYNC=interval', '1000'),
  TME_SPOOL_MAX_FILE_BYTES: variable(integer(4096, 1024 * 1024 * MiB), 'spool file size that starts a new file', String(64 * MiB)),
  TME_SPOOL_KEEP_FILES: variable(integer(1, 10_000), 'spool files kept, oldest deleted first', '8'),
  TME_CAPTURE_BUFFER: variable(integer(1, 1_000_000), 'captures held in memory for GET /v1/captures, at most', '1000'),
  TME_CAPTURE_BUFFER_BYTES: variable(
    integer(MiB, 4096 * MiB),
    'bytes of captures held in memory for GET /v1/captures, at most (the oldest go first)',
    String(64 * MiB),
  ),
  TME_CAPTURES_RESPONSE_BYTES: variable(
    integer(64 * 1024, 1024 * MiB),
    'bytes of captures in one GET /v1/captures answer, about (at least one capture; the rest through next_cursor)',
    String(8 * MiB),
  ),
  TME_MAX_CONNECTIONS: variable(integer(1, 1_000_000), 'concurrent HTTP connections; more are refused', '256'),
  TME_EXPORT_QUEUE_BYTES: variable(
    integer(MiB, 4096 * MiB),
    'bytes of captures waiting for OTLP export, at most; beyond, captures are not exported and counted',
    String(32 * MiB),
  ),
  TME_STORE_SAMPLE_RATE: variable(
    fraction,
    'share of records without a verdict that are stored (spool, /v1/captures, OTLP); records with a verdict always are, and the inventory learns from every record',
    '1',
  ),
  TME_REDACT_HEADERS: variable(
    nameList,
    'comma-separated header names whose values become [REDACTED] (case-insensitive)',
    DEFAULT_REDACT_HEADERS,
  ),
  TME_REDACT_FIELDS: variable(
    nameList,
    'comma-separated query parameter, form and JSON field names whose values become [REDACTED]',
    DEFAULT_REDACT_FIELDS,
  ),
  TME_ENVIRONMENT: variable(
    z.string().min(1, 'expected a name such as prod or staging'),
    'deployment environment, on every exported span (deployment.environment.name)',
  ),
  TME_ADMIN_TOKEN: variable(
    z.string().min(16, 'expected at least 16 characters'),
    'bearer token for the admin API (policy updates, deny list) and for reading GET /v1/captures; the admin API is off and captures are open when unset',
  ),
  TME_AGENT_TOKEN: variable(
    z.string().min(16, 'expected at least 16 characters'),
    "shared secret the filters present on reports, checks and policy/deny-list polls (the filter's agentToken); required on POST /v1/records, POST /ext_cap/v1/req_res_cap, POST /v1/check, GET /v1/policy and GET /v1/denylist when set",
  ),
  TME_AGENT_TOKEN_HEADER: variable(
    z.string().regex(/^[a-z0-9-]+$/, 'expected a lower-case header name'),
    "request header that carries TME_AGENT_TOKEN (the filter's agentTokenHeader)",
    'x-gatewarden-agent-token',
  ),
  TME_POLICY_FILE: variable(
    z.string().min(1, 'expected a file path'),
    'JSON policy served to the filters at start-up (replaced through PUT /v1/policy)',
  ),
  TME_DENY_KEY_HEADER: variable(
    z.string().regex(/^[a-z0-9-]+$/, 'expected a lower-case header name'),
    'request header whose value identifies a client key in the deny list',
    'x-api-key',
  ),
  TME_AUTODENY_THRESHOLD: variable(
    integer(0, 1_000_000),
    'detected attacks from one client IP that put it on the deny list (0 = off)',
    '0',
  ),
  TME_AUTODENY_WINDOW_MS: variable(
    integer(1000, 86_400_000),
    'window in milliseconds in which TME_AUTODENY_THRESHOLD attacks are counted',
    '60000',
  ),
  TME_AUTODENY_TTL_MS: variable(
    integer(1000, 30 * 86_400_000),
    'how long an automatically denied client stays denied, in milliseconds',
    '600000',
  ),
  TME_SERVICE_NAME: variable(
    z.string().min(1, 'expected a name'),
    "service name in records captured through ext_proc (the filter's serviceName)",
    'istio',
  ),
  TME_BODY_CAPTURE_SIZE: variable(
    integer(0, 16 * MiB),
    "ext_proc/ext_authz: body bytes held and inspected per body, whatever its size (the filter's bodyCaptureSize)",
    '131072',
  ),
  TME_ALLOWED_CONTENT_TYPES: variable(
    contentTypeList,
    "ext_proc/ext_authz: content types whose bodies are captured, matched as substrings (the filter's allowedContentTypes)",
    'json,x-www-form-urlencoded,grpc',
  ),
  TME_BLOCKING_STATUS_CODE: variable(
    blockingStatus,
    'ext_proc/ext_authz: status of a blocking reply (outside 400-499 becomes 403; rate limits answer 429)',
    '403',
  ),
  TME_BLOCKING_MESSAGE: variable(z.string(), 'ext_proc/ext_authz: body of a blocking reply', 'Access Forbidden'),
  TME_EXTPROC_TEST_DELAY_MS: variable(
    integer(0, 600_000),
    "FOR TESTS ONLY: delay every ext_proc reply by this many milliseconds (exercises Envoy's message_timeout)",
    '0',
  ),
  TME_API_INVENTORY: variable(
    z.enum(['on', 'off'], { error: 'expected on or off' }),
    'learn the API inventory (/v1/apis, /ui) from every capture',
    'on',
  ),
  TME_API_TEMPLATES: variable(
    z.string(),
    'comma-separated path templates that win over learned ones, e.g. /api/users/{userId},/files/{name}',
  ),
  TME_API_TEMPLATES_FILE: variable(
    z.string().min(1, 'expected a file path'),
    'file of pinned path templates, one per line (# comments), added to TME_API_TEMPLATES',
  ),
  TME_API_SPECS_FILE: variable(
    z.string().min(1, 'expected a file path'),
    'OpenAPI 3.x document (JSON or YAML) loaded at start-up for shadow/unused/drift findings (replaced through PUT /v1/apis/specs)',
  ),
  TME_API_MAX_ENDPOINTS_PER_HOST: variable(
    integer(1, 100_000),
    "endpoints kept per host; the rest are counted under the host's overflow endpoint /*",
    '500',
  ),
  TME_API_MAX_HOSTS: variable(integer(1, 10_000), 'hosts kept in the inventory; the rest are counted under host *', '100'),
  TME_API_PARAM_THRESHOLD: variable(
    integer(2, 10_000),
    'distinct values of a path segment under one parent past which it becomes a parameter',
    '20',
  ),
  TME_API_UNUSED_AFTER_MS: variable(
    integer(1000, 365 * 86_400_000),
    'a documented operation unseen this long is reported as unused',
    String(7 * 86_400_000),
  ),
  TME_API_STATE_FILE: variable(
    z.string().min(1, 'expected a file path'),
    'snapshot of the inventory, replayed at start-up (default: inventory.json in TME_SPOOL_DIR)',
  ),
  TME_API_SNAPSHOT_INTERVAL_MS: variable(
    integer(100, 3_600_000),
    'how often a changed inventory is written to TME_API_STATE_FILE',
    '10000',
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: variable(httpUrl, 'OTLP/HTTP traces URL (used as is); export is off unless this or the next is set'),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(httpUrl, 'OTLP/HTTP base URL; /v1/traces is appended'),
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: variable(
    httpUrl,
    'OTLP/HTTP logs URL (used as is) for inventory changes; else OTEL_EXPORTER_OTLP_ENDPOINT with /v1/logs appended; off when neither is set',
  ),
  TME_API_EVENTS_PER_SECOND: variable(
    integer(0, 100_000),
    "inventory changes exported as OTLP log records per second, at most (bursts of ten seconds' worth); more are counted and dropped (0 = none exported)",
    '50',
  ),
  OTEL_BSP_SCHEDULE_DELAY: variable(integer(0, 600_000), 'milliseconds between span (and inventory log record) export batches', '5000'),
} as const;

type VariableName = keyof typeof VARIABLES;
type Values = { [K in VariableName]: (typeof VARIABLES)[K] extends Variable<infer T> ? T : never };

export interface TmeConfig {
  host: string;
  httpPort: number;
  grpcPort: number;
  maxBatchBytes: number;
  maxInflightBodyBytes: number;
  spool: {
    dir: string;
    fsync: 'always' | 'interval' | 'never';
    fsyncIntervalMs: number;
    maxFileBytes: number;
    keepFiles: number;
  };
  captureBuffer: { maxCaptures: number; maxBytes: number };
  capturesResponseBytes: number;
  maxConnections: number;
  exportQueueBytes: number;
  /** Share of records without a verdict that are stored; the inventory still sees all of them. */
  storeSampleRate: number;
  redaction: { headers: string[]; fields: string[] };
  /** Undefined when no OTLP endpoint is configured: spans are not exported. */
  otlpTracesUrl: string | undefined;
  /** Undefined when no OTLP endpoint is configured: inventory changes are not exported. */
  otlpLogsUrl: string | undefined;
  exportDelayMs: number;
  environment: string | undefined;
  adminToken: string | undefined;
  /** Undefined when no agent token is configured: agent routes are open. */
  agentToken: string | undefined;
  agentTokenHeader: string;
  policyFile: string | undefined;
  denyKeyHeader: string;
  autoDeny: { threshold: number; windowMs: number; ttlMs: number };
  /** How ext_proc captures and how ext_proc/ext_authz block: the filter's settings of the same names. */
  capture: { serviceName: string; bodyCaptureSize: number; allowedContentTypes: string[] };
  blocking: { statusCode: number; message: string };
  /** Tests only: delay of every ext_proc reply. */
  extProcTestDelayMs: number;
  inventory: {
    enabled: boolean;
    templates: string;
    templatesFile: string | undefined;
    specsFile: string | undefined;
    maxEndpointsPerHost: number;
    maxHosts: number;
    paramThreshold: number;
    unusedAfterMs: number;
    stateFile: string;
    snapshotIntervalMs: number;
    /** Inventory changes exported as log records per second, at most. */
    eventsPerSecond: number;
  };
}

export class ConfigError extends Error {}

function readVariables(env: NodeJS.ProcessEnv): Values {
  const values: Partial<Record<VariableName, unknown>> = {};
  const errors: string[] = [];
  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, Variable<unknown>][]) {
    // An empty variable means "not set", as in most deployment tooling.
    const raw = env[name] === undefined || env[name] === '' ? spec.default : env[name];
    if (raw === undefined) continue;
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else errors.push(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}, got ${JSON.stringify(raw)}`);
  }
  if (errors.length > 0) throw new ConfigError(`invalid configuration:\n  ${errors.join('\n  ')}`);
  return values as Values;
}

function logsUrl(values: Values): string | undefined {
  if (values.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) return values.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
  if (values.OTEL_EXPORTER_OTLP_ENDPOINT) return `${values.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/logs`;
  return undefined;
}

function tracesUrl(values: Values): string | undefined {
  if (values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (values.OTEL_EXPORTER_OTLP_ENDPOINT) return `${values.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv): TmeConfig {
  const values = readVariables(env);
  return {
    host: values.TME_HOST,
    httpPort: values.TME_HTTP_PORT,
    grpcPort: values.TME_GRPC_PORT,
    maxBatchBytes: values.TME_MAX_BATCH_BYTES,
    maxInflightBodyBytes: values.TME_MAX_INFLIGHT_BODY_BYTES,
    spool: {
      dir: values.TME_SPOOL_DIR,
      fsync: values.TME_SPOOL_FSYNC,
      fsyncIntervalMs: values.TME_SPOOL_FSYNC_INTERVAL_MS,
      maxFileBytes: values.TME_SPOOL_MAX_FILE_BYTES,
      keepFiles: values.TME_SPOOL_KEEP_FILES,
    },
    captureBuffer: { maxCaptures: values.TME_CAPTURE_BUFFER, maxBytes: values.TME_CAPTURE_BUFFER_BYTES },
    capturesResponseBytes: values.TME_CAPTURES_RESPONSE_BYTES,
    maxConnections: values.TME_MAX_CONNECTIONS,
    exportQueueBytes: values.TME_EXPORT_QUEUE_BYTES,
    storeSampleRate: values.TME_STORE_SAMPLE_RATE,
    redaction: { headers: values.TME_REDACT_HEADERS, fields: values.TME_REDACT_FIELDS },
    otlpTracesUrl: tracesUrl(values),
    otlpLogsUrl: logsUrl(values),
    exportDelayMs: values.OTEL_BSP_SCHEDULE_DELAY,
    environment: values.TME_ENVIRONMENT,
    adminToken: values.TME_ADMIN_TOKEN,
    agentToken: values.TME_AGENT_TOKEN,
    agentTokenHeader: values.TME_AGENT_TOKEN_HEADER,
    policyFile: values.TME_POLICY_FILE,
    denyKeyHeader: values.TME_DENY_KEY_HEADER,
    autoDeny: { threshold: values.TME_AUTODENY_THRESHOLD, windowMs: values.TME_AUTODENY_WINDOW_MS, ttlMs: values.TME_AUTODENY_TTL_MS },
    capture: {
      serviceName: values.TME_SERVICE_NAME,
      bodyCaptureSize: values.TME_BODY_CAPTURE_SIZE,
      allowedContentTypes: values.TME_ALLOWED_CONTENT_TYPES,
    },
    blocking: { statusCode: values.TME_BLOCKING_STATUS_CODE, message: values.TME_BLOCKING_MESSAGE },
    extProcTestDelayMs: values.TME_EXTPROC_TEST_DELAY_MS,
    inventory: {
      enabled: values.TME_API_INVENTORY === 'on',
      templates: values.TME_API_TEMPLATES ?? '',
      templatesFile: values.TME_API_TEMPLATES_FILE,
      specsFile: values.TME_API_SPECS_FILE,
      maxEndpointsPerHost: values.TME_API_MAX_ENDPOINTS_PER_HOST,
      maxHosts: values.TME_API_MAX_HOSTS,
      paramThreshold: values.TME_API_PARAM_THRESHOLD,
      unusedAfterMs: values.TME_API_UNUSED_AFTER_MS,
      stateFile: values.TME_API_STATE_FILE ?? join(values.TME_SPOOL_DIR, 'inventory.json'),
      snapshotIntervalMs: values.TME_API_SNAPSHOT_INTERVAL_MS,
      eventsPerSecond: values.TME_API_EVENTS_PER_SECOND,
    },
  };
}

export function helpText(): string {
  const lines = [
    'Usage: tme-server [--help]',
    '',
    'Gatewarden TME: receives capture reports from the gateway filter and Traceable-style',
    'connectors, redacts them, spools them to disk and exports them as OTLP spans.',
    '',
    'Environment variables:',
  ];
  for (const [name, spec] of Object.entries(VARIABLES) as [string, Variable<unknown>][]) {
    lines.push(`  ${name}${spec.default === undefined ? '' : ` (default: ${spec.default})`}`, `      ${spec.help}`);
  }
  lines.push('', 'Other OTEL_EXPORTER_OTLP_* variables (headers, timeout, compression) are read by the OTLP exporter itself.');
  return lines.join('\n');
}
