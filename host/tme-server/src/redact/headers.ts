import type { HeaderList } from '../ingest/record-schema.ts';
import { REDACTED, type RedactionPolicy } from './policy.ts';

export function redactHeaders(headers: HeaderList, policy: RedactionPolicy): HeaderList {
  return headers.map(([name, value]) => [name, policy.headers.has(name.toLowerCase()) ? REDACTED : value]);
}
