// The inventory seen from outside: its Prometheus metrics, and its changes as OTLP log records when an
// OTLP endpoint is configured (the same one the spans go to, unless a logs endpoint is named).
import type { Registry } from 'prom-client';
import type { TmeConfig } from '../config.ts';
import { InventoryLogs } from '../export/inventory-logs.ts';
import { registerInventoryMetrics } from '../metrics/inventory-metrics.ts';
import type { Inventory } from './inventory.ts';

export function startInventoryTelemetry(config: TmeConfig, inventory: Inventory, registry: Registry): { stop(): Promise<void> } {
  const counters = registerInventoryMetrics(registry, inventory);
  if (config.otlpLogsUrl === undefined || config.inventory.eventsPerSecond === 0) return { stop: async () => undefined };
  const logs = new InventoryLogs({
    url: config.otlpLogsUrl,
    environment: config.environment,
    scheduledDelayMillis: config.exportDelayMs,
    perSecond: config.inventory.eventsPerSecond,
    counts: {
      exported: (n) => counters.exported.inc(n),
      dropped: () => counters.dropped.inc(),
      failed: (n, error) => {
        counters.failed.inc(n);
        console.error(`tme: OTLP export of ${n} inventory log records failed: ${error?.message ?? 'unknown error'}`);
      },
    },
  });
  inventory.onEvent((event) => logs.emit(event));
  return { stop: () => logs.shutdown() };
}
