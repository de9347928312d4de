// Adds a client to the deny list after `threshold` detected attacks within `windowMs`, from the
// verdicts that arrive with the filters' reports.
import type { CaptureRecord } from '../ingest/record-schema.ts';
import type { DenyList } from './deny-list.ts';

// Verdicts that come from the policy rather than from detecting an attack: every other category
// (sqli, xss, ..., scanner, and any the engine adds) counts as an attack.
const NOT_ATTACKS = new Set(['rule', 'ratelimit', 'denylist', 'check']);

export interface AutoDenySettings {
  threshold: number;
  windowMs: number;
  ttlMs: number;
}

export class AutoDeny {
  private hits = new Map<string, number[]>();

  constructor(
    private readonly settings: AutoDenySettings,
    private readonly denyList: DenyList,
    private readonly now: () => number = Date.now,
  ) {}

  observe(records: readonly CaptureRecord[]): void {
    if (this.settings.threshold <= 0) return;
    const now = this.now();
    for (const record of records) {
      const category = record.verdict?.['category'];
      const ip = record.client.address;
      if (typeof category !== 'string' || category === '' || NOT_ATTACKS.has(category) || ip === '') continue;
      if (this.denyList.has('ip', ip)) continue;
      const recent = (this.hits.get(ip) ?? []).filter((t) => t > now - this.settings.windowMs);
      recent.push(now);
      if (recent.length >= this.settings.threshold) {
        this.hits.delete(ip);
        this.denyList.add('ip', ip, this.settings.ttlMs, `${recent.length} attacks within ${this.settings.windowMs} ms`);
      } else {
        this.hits.set(ip, recent);
      }
    }
    this.forgetQuietClients(now);
  }

  /** Keeps the table bounded by clients seen within the window. */
  private forgetQuietClients(now: number): void {
    if (this.hits.size < 10_000) return;
    for (const [ip, times] of this.hits) if (times.at(-1)! <= now - this.settings.windowMs) this.hits.delete(ip);
  }
}
