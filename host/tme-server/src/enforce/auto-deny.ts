// Adds a client to the deny list after `threshold` detected attacks within `windowMs`, from the
// verdicts that arrive with the filters' reports.
import { isIP } from 'node:net';
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
      if (typeof category !== 'string' || category === '' || NOT_ATTACKS.has(category)) continue;
      const ip = ipOf(record.client.address);
      if (ip === undefined) continue;
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

/**
 * The IP of a record's client address, without a port (`203.0.113.5:4444`, `[2001:db8::7]:443`, as some
 * load balancers write x-forwarded-for); undefined for anything else. The deny list refuses what is not
 * an IP, and a refusal here, after the batch is spooled, would fail every retry of it.
 */
function ipOf(address: string): string | undefined {
  if (isIP(address) !== 0) return address;
  const bracketed = /^\[([^\]]+)\]:\d{1,5}$/.exec(address);
  if (bracketed !== null) return isIP(bracketed[1]!) === 6 ? bracketed[1] : undefined;
  const colon = address.lastIndexOf(':');
  if (colon > 0 && address.indexOf(':') === colon && /^\d{1,5}$/.test(address.slice(colon + 1))) {
    const host = address.slice(0, colon);
    return isIP(host) === 4 ? host : undefined;
  }
  return undefined;
}
