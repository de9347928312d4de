// The echo upstream and one real TME (the built bundle), with any number of Envoys in front of them in
// ext_proc or ext_authz mode (each with its own processing modes). Always stopped, whatever the test did.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEnvoy, type EnvoyProcess } from "../../host/devstack/envoy.ts";
import { startUpstream, type Upstream } from "../../host/devstack/upstream.ts";
import { startTmeProcess } from "../../host/devstack/tme.ts";
import { freePort } from "../../host/devstack/ports.ts";
import { extAuthzVars, extProcVars, type ExtAuthzSettings, type ExtProcModes } from "../../host/devstack/gateway-modes.ts";
import { TmeStack, sendTagged, withStackTokens, type Sent } from "./captures.ts";

export type { Sent } from "./captures.ts";

/** One Envoy of the stack. */
export class Gateway {
  constructor(readonly envoy: EnvoyProcess) {}

  get url(): string {
    return this.envoy.url;
  }

  /** A request through Envoy, tagged with a fresh x-test-id header to find its capture. */
  send(path: string, init: RequestInit = {}): Promise<Sent> {
    return sendTagged(this.envoy.url, path, init);
  }

  async stat(name: string): Promise<number> {
    const text = await (await fetch(`${this.envoy.adminUrl}/stats?filter=${encodeURIComponent(name)}`)).text();
    let total = 0;
    for (const line of text.split("\n")) {
      const m = /^(\S+): (\d+)$/.exec(line.trim());
      if (m && m[1]!.endsWith(name)) total += Number(m[2]);
    }
    return total;
  }
}

export interface ExtStackOptions {
  /** Extra TME environment. */
  tmeEnv?: Record<string, string>;
  /** Leave the TME out: Envoy's gRPC cluster points at a port nothing listens on. */
  withoutTme?: boolean;
}

export class ExtStack extends TmeStack {
  upstream!: Upstream;
  tmeGrpcPort = 0;
  private readonly gateways: Gateway[] = [];

  static async start(opts: ExtStackOptions = {}): Promise<ExtStack> {
    const s = new ExtStack();
    try {
      s.upstream = await startUpstream();
      s.tmeGrpcPort = await freePort();
      s.spoolDir = mkdtempSync(join(tmpdir(), "gatewarden-spool-"));
      if (!opts.withoutTme) {
        const env = withStackTokens({ TME_SPOOL_DIR: s.spoolDir, ...opts.tmeEnv });
        s.useTokens(env);
        s.tme = await startTmeProcess({ httpPort: 0, grpcPort: s.tmeGrpcPort, env });
      }
    } catch (error) {
      await s.stop();
      throw error;
    }
    return s;
  }

  /** Envoy in ext_proc mode with these processing modes (the rest: the chart's defaults). */
  extProc(modes: Partial<ExtProcModes> = {}, opts: { logLevel?: string } = {}): Promise<Gateway> {
    return this.gateway("ext-proc.yaml", extProcVars(modes, { upstream: this.upstream.port, tmeGrpc: this.tmeGrpcPort }), opts.logLevel);
  }

  /** Envoy in ext_authz mode. */
  extAuthz(settings: Partial<ExtAuthzSettings> = {}): Promise<Gateway> {
    return this.gateway("ext-authz.yaml", extAuthzVars(settings, { upstream: this.upstream.port, tmeGrpc: this.tmeGrpcPort }));
  }

  private async gateway(template: string, vars: Record<string, string | number>, logLevel?: string): Promise<Gateway> {
    const envoy = await startEnvoy({ template, vars, logLevel });
    const g = new Gateway(envoy);
    this.gateways.push(g);
    return g;
  }

  async stop(): Promise<void> {
    for (const g of this.gateways) await g.envoy.stop();
    await this.tme?.stop();
    await this.upstream?.stop();
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
  }
}
