// Starts a real Envoy from a bootstrap template in envoy/, waits until it is ready, and stops it.
// One helper for npm start, the tests and the benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVOY_DIR, envoyBinary } from "./paths.ts";
import { freePort } from "./ports.ts";
import { fetchPrometheus } from "./prometheus.ts";

export interface EnvoyOptions {
  /** Template file name in envoy/, e.g. "wasm.yaml"... */
  template?: string;
  /** ...and values for its ${NAME} placeholders (the ports are added). */
  vars?: Record<string, string | number>;
  /** Or a bootstrap already built (with listenPort and adminPort set in it). */
  bootstrap?: unknown;
  listenPort?: number;
  adminPort?: number;
  concurrency?: number;
  logLevel?: string;
  /** Forward Envoy's output to this process's stderr. */
  inheritOutput?: boolean;
  /** A command Envoy runs under, e.g. ["taskset", "-c", "1"]. */
  wrapper?: string[];
}

export interface EnvoyProcess {
  listenPort: number;
  adminPort: number;
  url: string;
  adminUrl: string;
  process: ChildProcess;
  /** Everything Envoy printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Fills ${NAME} placeholders; a placeholder with no value is an error, not an empty string. */
export function renderTemplate(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`envoy template: no value for \${${name}}`);
    return String(vars[name]);
  });
}

/** A JSON plugin configuration as a YAML scalar (a JSON string literal is valid YAML). */
export function pluginConfigScalar(config: unknown): string {
  return JSON.stringify(typeof config === "string" ? config : JSON.stringify(config));
}

export async function startEnvoy(opts: EnvoyOptions): Promise<EnvoyProcess> {
  const listenPort = opts.listenPort ?? (await freePort());
  const adminPort = opts.adminPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "gatewarden-envoy-"));
  let configPath: string;
  if (opts.bootstrap !== undefined) {
    configPath = join(dir, "envoy.json");
    writeFileSync(configPath, JSON.stringify(opts.bootstrap, null, 2));
  } else if (opts.template !== undefined) {
    configPath = join(dir, "envoy.yaml");
    const template = readFileSync(join(ENVOY_DIR, opts.template), "utf8");
    writeFileSync(
      configPath,
      renderTemplate(template, {
        GATEWARDEN_LISTEN_PORT: listenPort,
        GATEWARDEN_ADMIN_PORT: adminPort,
        ...opts.vars,
      }),
    );
  } else {
    throw new Error("startEnvoy: give a template or a bootstrap");
  }
  const args = [
    "-c",
    configPath,
    "--concurrency",
    String(opts.concurrency ?? 1),
    "--log-level",
    opts.logLevel ?? "warn",
    // Several Envoys may run at once (tests, benchmarks): no shared-memory hot-restart state.
    "--disable-hot-restart",
  ];
  const [command, ...commandArgs] = [...(opts.wrapper ?? []), envoyBinary(), ...args];
  const child = spawn(command!, commandArgs, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
    if (opts.inheritOutput) process.stderr.write(chunk);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 30_000;
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new EnvoyStartError(`envoy exited with ${child.exitCode ?? child.signalCode} before it was ready`, out);
    }
    try {
      const res = await fetch(`${adminUrl}/ready`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EnvoyStartError("envoy was not ready within 30s", out);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { listenPort, adminPort, url: `http://127.0.0.1:${listenPort}`, adminUrl, process: child, output: () => out, stop };
}

export class EnvoyStartError extends Error {
  constructor(
    message: string,
    public readonly output: string,
  ) {
    super(`${message}\n--- envoy output (tail) ---\n${output.slice(-4000)}`);
  }
}

/** Envoy's Prometheus stats as name → value (labels dropped, values summed). */
export function prometheusStats(adminUrl: string): Promise<Map<string, number>> {
  return fetchPrometheus(`${adminUrl}/stats/prometheus`);
}
