// Applies the redaction policy to a whole record before anything is stored,
// served or exported: header and trailer values, query parameters, and the
// fields of JSON and form bodies. Binary (base64) bodies are left as they are.
import type { CaptureBody, CaptureRecord, HeaderList } from '../ingest/record-schema.ts';
import { redactHeaders } from './headers.ts';
import { redactJson } from './json-body.ts';
import type { RedactionPolicy } from './policy.ts';
import { redactUrlEncoded } from './url-encoded.ts';

function contentType(headers: HeaderList): string {
  return headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1].toLowerCase() ?? '';
}

function redactBody(body: CaptureBody | undefined, headers: HeaderList, policy: RedactionPolicy): CaptureBody | undefined {
  if (body === undefined || body.encoding !== 'utf8') return body;
  const type = contentType(headers);
  if (type.includes('x-www-form-urlencoded')) return { ...body, data: redactUrlEncoded(body.data, policy) };
  // Bodies without a JSON content type are still checked when they look like JSON:
  // APIs often mislabel them, and a leaked password costs more than a parse.
  if (type.includes('json') || /^\s*[{[]/.test(body.data)) return { ...body, data: redactJson(body.data, policy) };
  return body;
}

function redactOptionalHeaders(headers: HeaderList | undefined, policy: RedactionPolicy): HeaderList | undefined {
  return headers === undefined ? undefined : redactHeaders(headers, policy);
}

export function redactRecord(record: CaptureRecord, policy: RedactionPolicy): CaptureRecord {
  const { request, response } = record;
  return {
    ...record,
    request: {
      ...request,
      query: redactUrlEncoded(request.query, policy),
      headers: redactHeaders(request.headers, policy),
      trailers: redactOptionalHeaders(request.trailers, policy),
      body: redactBody(request.body, request.headers, policy),
    },
    response: {
      ...response,
      headers: redactHeaders(response.headers, policy),
      trailers: redactOptionalHeaders(response.trailers, policy),
      body: redactBody(response.body, response.headers, policy),
    },
  };
}
