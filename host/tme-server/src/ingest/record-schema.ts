// The filter's report wire format, written down once. The TypeScript types of a
// record are derived from this schema so the validator and the code cannot drift.
//
// Unknown fields are stripped rather than rejected: a newer filter may add fields
// and an older TME must keep accepting its reports.
import { z } from 'zod';

export const MAX_RECORDS_PER_BATCH = 1000;
export const MAX_HEADER_PAIRS = 512;
export const MAX_BODY_DATA_BYTES = 4 * 1024 * 1024;
/** A record's encoded size: two bodies at the limit, base64-encoded, and room for the rest. */
export const MAX_RECORD_BYTES = 12 * 1024 * 1024;
/** A record's nesting (the record object is level 1; header pairs are level 4). */
export const MAX_RECORD_DEPTH = 16;

export const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const headerList = z
  .array(z.tuple([z.string(), z.string()]), { error: 'expected an array of [name, value] pairs' })
  .max(MAX_HEADER_PAIRS, `at most ${MAX_HEADER_PAIRS} header pairs`);

export const BodySchema = z
  .object({
    data: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    size: z.number().int().nonnegative(),
    truncated: z.boolean(),
  })
  .superRefine((body, ctx) => {
    if (body.encoding === 'base64' && (body.data.length % 4 !== 0 || !BASE64.test(body.data))) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'not valid base64' });
      return;
    }
    // The limit is on the decoded bytes, which is what we store and export.
    if (Buffer.byteLength(body.data, body.encoding) > MAX_BODY_DATA_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `larger than ${MAX_BODY_DATA_BYTES} bytes after decoding` });
    }
  });

export const RecordSchema = z.object({
  id: z.string(),
  service: z.string(),
  module_version: z.string(),
  start_time_unix_nano: z.string().regex(/^\d{1,20}$/, 'expected a string of decimal digits'),
  duration_nano: z.number().int().nonnegative(),
  client: z.object({
    /** The client the filter decided on (trusted hops applied); auto-deny and checks key on it. */
    address: z.string(),
    port: z.number().int().min(0).max(65535),
    /** The TCP peer, when it is not `address` (a proxy in front). */
    peer: z.string().optional(),
  }),
  request: z.object({
    method: z.string(),
    scheme: z.string(),
    authority: z.string(),
    path: z.string(),
    query: z.string(),
    protocol: z.string(),
    headers: headerList,
    trailers: headerList.optional(),
    body: BodySchema.optional(),
  }),
  response: z.object({
    status: z.number().int().min(0).max(999),
    headers: headerList,
    trailers: headerList.optional(),
    body: BodySchema.optional(),
    grpc_status: z.string().regex(/^\d+$/, 'expected a string of decimal digits').optional(),
  }),
  verdict: z.record(z.string(), z.unknown()).optional(),
  /** Set by a producer that redacted the record itself (docs/record-format.md): the TME does not redo it. */
  redacted: z.boolean().optional(),
  /** False on a summary: an exchange the filter's report.sampleRate left out, counted but not stored. */
  sampled: z.boolean().optional(),
});

export type CaptureRecord = z.infer<typeof RecordSchema>;
export type CaptureBody = z.infer<typeof BodySchema>;
export type HeaderList = CaptureRecord['request']['headers'];
