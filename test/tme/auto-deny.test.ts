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

test('a client address that is not an IP never breaks the batch: a port is dropped, anything else is skipped', () => {
  const now = 1_000_000;
  const list = new DenyList('x-api-key', () => now);
  const auto = new AutoDeny({ threshold: 2, windowMs: 60_000, ttlMs: 60_000 }, list, () => now);
  // DenyList.add throws on these; thrown after the spool write, it made every retry re-spool the batch.
  auto.observe(
    ["junk' or 1=1", 'not-an-ip', '203.0.113.5:4444', '203.0.113.5:4445', '[2001:db8::7]:443', '[2001:db8::7]:8443'].map((a) =>
      attack(a, 'sqli'),
    ),
  );
  assert.equal(list.has('ip', '203.0.113.5'), true);
  assert.equal(list.has('ip', '2001:db8::7'), true);
  assert.equal(list.snapshot().entries.length, 2);
});
