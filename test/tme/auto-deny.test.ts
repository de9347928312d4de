import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutoDeny } from '../../host/tme-server/src/enforce/auto-deny.ts';
import { DenyList } from '../../host/tme-server/src/enforce/deny-list.ts';
import type { CaptureRecord } from '../../host/tme-server/src/ingest/record-schema.ts';

function attack(ip: string, category: string): CaptureRecord {
  return { client: { address: ip, port: 1 }, verdict: { action: 'block', rule: `${category}.x`, category } } as unknown as CaptureRecord;
}

test('every detection category counts towards auto-deny; policy verdicts (rules, rate limits, deny list, checks) do not', () => {
  const now = 1_000_000;
  const list = new DenyList('x-api-key', () => now);
  const auto = new AutoDeny({ threshold: 3, windowMs: 60_000, ttlMs: 60_000 }, list, () => now);
  auto.observe(['rule', 'ratelimit', 'denylist', 'check', 'rule', 'ratelimit'].map((c) => attack('10.0.0.1', c)));
  assert.equal(list.has('ip', '10.0.0.1'), false);
  auto.observe(['scanner', 'ldapi', 'crlf'].map((c) => attack('10.0.0.2', c)));
  assert.equal(list.has('ip', '10.0.0.2'), true);
  auto.observe(['sqli', 'xss'].map((c) => attack('10.0.0.3', c)));
  assert.equal(list.has('ip', '10.0.0.3'), false, 'two attacks stay under the threshold of three');
});
