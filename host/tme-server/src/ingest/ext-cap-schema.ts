// The single-record report Traceable's open connectors POST to
// `/ext_cap/v1/req_res_cap`, so they can report to the TME unchanged.
//
// Facts, read from the connectors (not copied): the Traefik plugin (Go) sends
// snake_case keys (`request_timestamp_in_ms`, `status_code`, `request_url`,
// `source_address`, `source_port`), lower-case header maps whose repeated values
// are joined with ";", and bodies as base64 strings (Go []byte), `null` when not
// captured; the scheme comes from x-forwarded-proto and may be "". The edge-function
// connectors (JavaScript) send camelCase (`requestTimestampInMs`, `statusCode`,
// `requestUrl`), `truncated` flags, and the scheme as URL.protocol ("https:").
// Who sent it travels in `traceableai-*` headers of the POST itself.
import { z } from 'zod';
import { BASE64, MAX_BODY_DATA_BYTES, MAX_HEADER_PAIRS } from './record-schema.ts';

const headerMap = z
  .record(z.string(), z.string())
  .nullish()
  .refine((map) => map == null || Object.keys(map).length <= MAX_HEADER_PAIRS, `at most ${MAX_HEADER_PAIRS} headers`);

const base64Body = z
  .string()
  .regex(BASE64, 'expected base64')
  .refine((data) => Buffer.byteLength(data, 'base64') <= MAX_BODY_DATA_BYTES, `larger than ${MAX_BODY_DATA_BYTES} bytes after decoding`)
  .nullish();

const optionalCount = z.number().int().nonnegative().optional();

export const ExtCapSchema = z.object({
  request_timestamp_in_ms: optionalCount,
  requestTimestampInMs: optionalCount,
  request: z.object({
    method: z.string(),
    headers: headerMap,
    scheme: z.string().nullish(),
    path: z.string(),
    host: z.string().nullish(),
    body: base64Body,
    truncated: z.boolean().optional(),
    source_address: z.string().nullish(),
    source_port: z.number().int().min(0).max(65535).optional(),
    // Older Traefik plugin builds sent the start time here instead of at the top.
    micros_since_epoch: optionalCount,
  }),
  response: z.object({
    headers: headerMap,
    body: base64Body,
    truncated: z.boolean().optional(),
    status_code: z.number().int().min(0).max(999).optional(),
    statusCode: z.number().int().min(0).max(999).optional(),
    request_url: z.string().nullish(),
    requestUrl: z.string().nullish(),
  }),
});

export type ExtCapReport = z.infer<typeof ExtCapSchema>;
