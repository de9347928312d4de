// The API inventory's metrics, on the TME's registry, read from the inventory when /metrics is scraped
// (nothing is done per record). Label values are bounded: `host` is one of the MAX_HOST_LABELS hosts
// with the most endpoints, or "_other"; `class` and `kind` come from fixed lists. No per-endpoint label.
import { Counter, Gauge, type Registry } from 'prom-client';
import { OVERFLOW_TEMPLATE, type Endpoint } from '../inventory/endpoint.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { SchemaSummary } from '../inventory/schema.ts';
import { SENSITIVE_CLASSES } from '../inventory/sensitive.ts';

export const MAX_HOST_LABELS = 50;
export const OTHER_HOSTS = '_other';

export interface InventoryEventCounters {
  exported: Counter;
  failed: Counter;
  dropped: Counter;
}

/** Adds 1 to `counts` per field (schema node) flagged with each sensitive class, to the schema's bounded depth. */
function countSensitiveFields(summary: SchemaSummary, counts: Map<string, number>): void {
  for (const c of Object.keys(summary.sensitive)) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (summary.items !== undefined) countSensitiveFields(summary.items, counts);
  for (const child of Object.values(summary.properties)) countSensitiveFields(child, counts);
}

function schemasOf(endpoint: Endpoint): SchemaSummary[] {
  return [endpoint.pathParams, endpoint.query, endpoint.headers, endpoint.requestBody, ...Object.values(endpoint.responses)];
}

/** A counter that follows a monotonic total kept elsewhere, advanced when scraped. */
function following(name: string, help: string, registers: Registry[], total: () => number): Counter {
  let last = 0;
  return new Counter({
    name,
    help,
    registers,
    collect() {
      const now = total();
      if (now > last) this.inc(now - last);
      last = now;
    },
  });
}

export function registerInventoryMetrics(registry: Registry, inventory: Inventory): InventoryEventCounters {
  const registers = [registry];
  const stats = inventory.stats;
  new Gauge({
    name: 'tme_inventory_endpoints',
    help: `Endpoints in the API inventory, by host (the ${MAX_HOST_LABELS} hosts with most endpoints; the rest as ${OTHER_HOSTS}) and shadow (no loaded OpenAPI operation matches).`,
    labelNames: ['host', 'shadow'],
    registers,
    collect() {
      const perHost = new Map<string, { shadow: number; documented: number }>();
      for (const endpoint of inventory.endpoints()) {
        if (endpoint.template === OVERFLOW_TEMPLATE) continue;
        const counts = perHost.get(endpoint.host) ?? { shadow: 0, documented: 0 };
        if (inventory.isShadow(endpoint)) counts.shadow++;
        else counts.documented++;
        perHost.set(endpoint.host, counts);
      }
      const ranked = [...perHost].sort((a, b) => b[1].shadow + b[1].documented - (a[1].shadow + a[1].documented));
      const labelled = new Map<string, { shadow: number; documented: number }>();
      ranked.forEach(([host, counts], i) => {
        const label = i < MAX_HOST_LABELS ? host : OTHER_HOSTS;
        const sum = labelled.get(label) ?? { shadow: 0, documented: 0 };
        sum.shadow += counts.shadow;
        sum.documented += counts.documented;
        labelled.set(label, sum);
      });
      this.reset();
      for (const [host, counts] of labelled) {
        this.set({ host, shadow: 'true' }, counts.shadow);
        this.set({ host, shadow: 'false' }, counts.documented);
      }
    },
  });
  new Gauge({
    name: 'tme_inventory_sensitive_fields',
    help: 'Fields of the learned schemas (parameters, headers, body fields) on which each sensitive class was found.',
    labelNames: ['class'],
    registers,
    collect() {
      const counts = new Map<string, number>();
      for (const endpoint of inventory.endpoints()) for (const schema of schemasOf(endpoint)) countSensitiveFields(schema, counts);
      for (const c of SENSITIVE_CLASSES) this.set({ class: c }, counts.get(c) ?? 0);
    },
  });
  new Gauge({
    name: 'tme_inventory_learn_queue',
    help: 'Exchanges waiting for their schemas to be learned.',
    registers,
    collect() {
      this.set(inventory.queueLength);
    },
  });
  following(
    'tme_inventory_observed_total',
    'Exchanges the inventory counted (every record received, summaries included).',
    registers,
    () => stats.observed,
  );
  following('tme_inventory_learned_total', 'Exchanges whose schemas the inventory learned (a sample).', registers, () => stats.learned);
  following(
    'tme_inventory_overflowed_total',
    'Exchanges counted under an overflow endpoint (a host past TME_API_MAX_ENDPOINTS_PER_HOST, or hosts past TME_API_MAX_HOSTS).',
    registers,
    () => stats.overflowed,
  );
  following(
    'tme_inventory_learn_seconds_total',
    'Time spent learning schemas and checking drift, in seconds (divide by tme_inventory_learned_total for the time per exchange).',
    registers,
    () => stats.learnSeconds,
  );
  const driftSeen = new Map<string, number>();
  const drift = new Counter({
    name: 'tme_inventory_drift_total',
    help: 'Drift findings against the loaded OpenAPI documents, by kind.',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const [kind, total] of Object.entries(stats.drift)) {
        const seen = driftSeen.get(kind) ?? 0;
        if (total > seen) this.inc({ kind }, total - seen);
        driftSeen.set(kind, total);
      }
    },
  });
  for (const kind of ['unknown-parameter', 'wrong-type', 'missing-required']) drift.inc({ kind }, 0);
  return {
    exported: new Counter({
      name: 'tme_inventory_events_exported_total',
      help: 'Inventory changes the OTLP logs endpoint accepted as log records.',
      registers,
    }),
    failed: new Counter({
      name: 'tme_inventory_events_export_failures_total',
      help: 'Inventory change log records whose OTLP export failed (dropped).',
      registers,
    }),
    dropped: new Counter({
      name: 'tme_inventory_events_dropped_total',
      help: 'Inventory changes not exported because they came faster than TME_API_EVENTS_PER_SECOND.',
      registers,
    }),
  };
}
