// Clients refused at the edge until a deadline: added and removed through the admin API, or added
// automatically after repeated attacks. Filters poll the list (ETag = revision) and enforce it.
import { isIP } from 'node:net';

export type DenyKind = 'ip' | 'key';

export interface DenyEntry {
  kind: DenyKind;
  value: string;
  expiresAt: number;
  reason: string;
}

export class DenyListError extends Error {}

export class DenyList {
  private entries = new Map<string, DenyEntry>();
  private revision = 0;

  constructor(
    readonly keyHeader: string,
    private readonly now: () => number = Date.now,
  ) {}

  add(kind: DenyKind, value: string, ttlMs: number, reason: string): DenyEntry {
    if (kind === 'ip' && isIP(value) === 0) throw new DenyListError(`ip: not an IP address: "${value}"`);
    if (value === '') throw new DenyListError(`${kind}: must not be empty`);
    if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new DenyListError('ttlSeconds: expected a positive number of seconds');
    const entry = { kind, value, expiresAt: this.now() + ttlMs, reason };
    this.entries.set(`${kind}:${value}`, entry);
    this.revision++;
    return entry;
  }

  remove(kind: DenyKind, value: string): boolean {
    const removed = this.entries.delete(`${kind}:${value}`);
    if (removed) this.revision++;
    return removed;
  }

  has(kind: DenyKind, value: string): boolean {
    const entry = this.entries.get(`${kind}:${value}`);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  /** The live entries; expired ones are dropped (which is a change filters must see). */
  snapshot(): { revision: number; etag: string; keyHeader: string; entries: DenyEntry[] } {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(id);
        this.revision++;
      }
    }
    return { revision: this.revision, etag: `"d${this.revision}"`, keyHeader: this.keyHeader, entries: [...this.entries.values()] };
  }
}
