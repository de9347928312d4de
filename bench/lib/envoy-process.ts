// The benchmark's Envoys: started by host/devstack/envoy.ts from a bootstrap object (a template from
// envoy/ rendered and then adjusted by bench/lib/bootstraps.ts), plus the admin reads the benchmark
// needs: exact counters and the Prometheus stats.
import { execFileSync } from "node:child_process";
import { envoyBinary } from "../../host/devstack/paths.ts";
import { prometheusStats, startEnvoy, type EnvoyProcess } from "../../host/devstack/envoy.ts";

export interface BenchEnvoy extends EnvoyProcess {
  name: string;
  pid: number;
  /** Envoy's counters (admin /stats, not Prometheus: exact names such as http.ingress.downstream_rq_2xx). */
  counters(): Promise<Map<string, number>>;
  /** Envoy's Prometheus stats (custom Wasm metrics such as gatewarden_reported_total live here). */
  prometheus(): Promise<Map<string, number>>;
}

export function envoyVersion(): string {
  const out = execFileSync(envoyBinary(), ["--version"], { encoding: "utf8" });
  return /version:\s*(\S+)/.exec(out)?.[1] ?? out.trim();
}

export async function startBenchEnvoy(opts: {
  name: string;
  bootstrap: unknown;
  listenPort: number;
  adminPort: number;
  concurrency: number;
  /** Extra arguments before Envoy's, e.g. ["taskset", "-c", "1"]. */
  wrapper?: string[];
}): Promise<BenchEnvoy> {
  const envoy = await startEnvoy({
    bootstrap: opts.bootstrap,
    listenPort: opts.listenPort,
    adminPort: opts.adminPort,
    concurrency: opts.concurrency,
    wrapper: opts.wrapper,
  });
  return {
    ...envoy,
    name: opts.name,
    pid: envoy.process.pid!,
    counters: async () => {
      const text = await (
        await fetch(`${envoy.adminUrl}/stats?usedonly&filter=${encodeURIComponent("^(http\\.|cluster\\.|listener\\.)")}`)
      ).text();
      const stats = new Map<string, number>();
      for (const line of text.split("\n")) {
        const m = /^([^:]+):\s+(\d+)$/.exec(line.trim());
        if (m) stats.set(m[1]!, Number(m[2]));
      }
      return stats;
    },
    prometheus: () => prometheusStats(envoy.adminUrl),
  };
}
