// One list of default redaction names: the TME's TME_REDACT_HEADERS / TME_REDACT_FIELDS defaults and the
// filter's (filter/assembly/redact/defaults.ts, also the engine's) must name the same headers and fields.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS } from '../../host/tme-server/src/config.ts';

const source = readFileSync(new URL('../../filter/assembly/redact/defaults.ts', import.meta.url), 'utf8');

function assemblyList(name: string): string[] {
  const m = new RegExp(`${name}: Array<string> = \\[([^\\]]*)\\]`).exec(source);
  assert.ok(m, `${name} not found in defaults.ts`);
  return [...m[1]!.matchAll(/"([^"]+)"/g)].map((q) => q[1]!);
}

test('the TME and the filter default to the same redacted header names', () => {
  assert.deepEqual(DEFAULT_REDACT_HEADERS.split(','), assemblyList('DEFAULT_REDACT_HEADERS'));
});

test('the TME and the filter default to the same redacted field names', () => {
  assert.deepEqual(DEFAULT_REDACT_FIELDS.split(','), assemblyList('DEFAULT_REDACT_FIELDS'));
  for (const header of DEFAULT_REDACT_HEADERS.split(','))
    assert.ok(DEFAULT_REDACT_FIELDS.split(',').includes(header), `${header} is a field name too`);
});
