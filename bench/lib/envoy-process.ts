// Starts an Envoy from a bootstrap given as an object (a template from envoy/ rendered and then adjusted
// by bench/lib/bootstraps.ts), waits until it is ready, and reads its admin stats. host/devstack/envoy.ts
// starts Envoys from template files; the benchmark needs to edit the parsed bootstrap first (drop the
// filter for `plain`, set ext_proc's processing mode), hence this small sibling.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envoyBinary } from "../../host/devstack/paths.ts";
import { prometheusStats } from "../../host/devstack/envoy.ts";

export interface BenchEnvoy {
  name: string;
  pid: number;
  url: string;
  adminUrl: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
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
  const dir = mkdtempSync(join(tmpdir(), `gatewarden-bench-${opts.name}-`));
  const configPath = join(dir, "envoy.json");
  writeFileSync(configPath, JSON.stringify(opts.bootstrap, null, 2));
  const envoyArgs = ["-c", configPath, "--concurrency", String(opts.concurrency), "--log-level", "warn", "--disable-hot-restart"];
  const [cmd, ...args] = [...(opts.wrapper ?? []), envoyBinary(), ...envoyArgs];
  const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const adminUrl = `http://127.0.0.1:${opts.adminPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`envoy ${opts.name} exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${out.slice(-4000)}`);
    }
    try {
      if ((await fetch(`${adminUrl}/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`envoy ${opts.name} was not ready within 30s:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: opts.name,
    pid: child.pid!,
    url: `http://127.0.0.1:${opts.listenPort}`,
    adminUrl,
    process: child,
    output: () => out,
    stop,
    counters: async () => {
      const text = await (await fetch(`${adminUrl}/stats?usedonly&filter=${encodeURIComponent("^(http\\.|cluster\\.|listener\\.)")}`)).text();
      const stats = new Map<string, number>();
      for (const line of text.split("\n")) {
        const m = /^([^:]+):\s+(\d+)$/.exec(line.trim());
        if (m) stats.set(m[1]!, Number(m[2]));
      }
      return stats;
    },
    prometheus: () => prometheusStats(adminUrl),
  };
}
