// One real stack per test file: the echo upstream, the TME (the built bundle, as a child process) and
// Envoy running the compiled filter. Always stopped, whatever the test did.
import { randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEnvoy, pluginConfigScalar, prometheusStats, type EnvoyProcess } from "../../host/devstack/envoy.ts";
import { startUpstream, type Upstream } from "../../host/devstack/upstream.ts";
import { startTmeProcess } from "../../host/devstack/tme.ts";
import { freePort } from "../../host/devstack/ports.ts";
import { WASM_PATH } from "../../host/devstack/paths.ts";
import { STACK_AGENT_TOKEN, TmeStack, sendTagged, withStackTokens, type Sent } from "./captures.ts";

export type { Attributes, Capture } from "./captures.ts";

export interface StackOptions {
  pluginConfig?: unknown;
  concurrency?: number;
  /** Leave the TME out (the test provides whatever listens on tmePort). */
  withoutTme?: boolean;
  /** Extra environment for the TME. */
  tmeEnv?: Record<string, string>;
  /** Envoy's log level (default warn). */
  logLevel?: string;
}

/**
 * The filter presents the stack's agent token, unless the test's configuration names its own or is not
 * an object (a test of configuration parsing); then the TME asks for none either, unless told to.
 */
function withAgentToken(pluginConfig: unknown): { pluginConfig: unknown; tmeToken: Record<string, string> } {
  if (typeof pluginConfig !== "object" || pluginConfig === null || Array.isArray(pluginConfig) || "agentToken" in pluginConfig) {
    return { pluginConfig, tmeToken: { TME_AGENT_TOKEN: "" } };
  }
  return { pluginConfig: { agentToken: STACK_AGENT_TOKEN, ...pluginConfig }, tmeToken: {} };
}

/** Reports are flushed every 50 ms in tests so captures show up quickly. */
export const FAST_REPORTS = { report: { flushInterval: "50ms", timeout: "1s" } };

export class CaptureStack extends TmeStack {
  upstream!: Upstream;
  envoy!: EnvoyProcess;
  tmePort = 0;
  private tmeEnv: Record<string, string> = {};

  static async start(opts: StackOptions = {}): Promise<CaptureStack> {
    const s = new CaptureStack();
    try {
      s.upstream = await startUpstream();
      s.tmePort = await freePort();
      s.spoolDir = mkdtempSync(join(tmpdir(), "gatewarden-spool-"));
      const { pluginConfig, tmeToken } = withAgentToken(opts.pluginConfig ?? FAST_REPORTS);
      s.tmeEnv = withStackTokens({ ...tmeToken, ...opts.tmeEnv });
      s.useTokens(s.tmeEnv);
      if (!opts.withoutTme) await s.startTme();
      s.envoy = await startEnvoy({
        template: "wasm.yaml",
        concurrency: opts.concurrency ?? 1,
        logLevel: opts.logLevel,
        vars: {
          UPSTREAM_PORT: s.upstream.port,
          TME_HTTP_PORT: s.tmePort,
          GATEWARDEN_WASM: WASM_PATH,
          GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar(pluginConfig),
        },
      });
    } catch (error) {
      await s.stop();
      throw error;
    }
    return s;
  }

  async startTme(): Promise<void> {
    this.tme = await startTmeProcess({ httpPort: this.tmePort, grpcPort: 0, env: { TME_SPOOL_DIR: this.spoolDir, ...this.tmeEnv } });
  }

  async stopTme(): Promise<void> {
    await this.tme?.stop();
    this.tme = undefined;
  }

  async stop(): Promise<void> {
    await this.envoy?.stop();
    await this.tme?.stop();
    await this.upstream?.stop();
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
  }

  /** A request through Envoy, tagged with a fresh x-test-id header to find its capture. */
  send(path: string, init: RequestInit = {}): Promise<Sent> {
    return sendTagged(this.envoy.url, path, init);
  }

  /**
   * A request on a fresh connection with node:http, for what fetch cannot do: set Host, or spread
   * requests over Envoy's workers (each connection may land on another worker).
   */
  sendHttp(
    path: string,
    opts: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
  ): Promise<{ testId: string; status: number; headers: IncomingHttpHeaders; body: string }> {
    const testId = randomUUID();
    return new Promise((resolveResponse, reject) => {
      const req = httpRequest(
        this.envoy.url + path,
        { method: opts.method ?? "GET", headers: { ...opts.headers, "x-test-id": testId }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolveResponse({ testId, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(opts.body);
    });
  }

  stats(): Promise<Map<string, number>> {
    return prometheusStats(this.envoy.adminUrl);
  }
}
