// `npm start`: the local stack — the demo upstream, the TME and Envoy — in one process tree that stops
// together on Ctrl-C or SIGTERM. GATEWARDEN_MODE picks how Envoy attaches: wasm (the filter, default),
// ext_proc (Envoy streams exchanges to the TME's gRPC port; EXTPROC_* variables set the processing
// modes, see host/devstack/gateway-modes.ts) or ext_authz (Envoy asks the TME for a verdict).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEnvoy, pluginConfigScalar, type EnvoyProcess } from "./envoy.ts";
import { startUpstream, type Upstream } from "./upstream.ts";
import { startTmeProcess, type TmeProcess } from "./tme.ts";
import { ENVOY_DIR, WASM_PATH } from "./paths.ts";
import { EXTPROC_DEFAULTS, TEMPLATES, extAuthzVars, extProcVars, type ExtProcModes, type GatewardenMode } from "./gateway-modes.ts";

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`start: ${name}=${raw} is not a port number (1-65535)`);
    process.exit(2);
  }
  return n;
}

const ports = {
  listen: port("GATEWARDEN_LISTEN_PORT", 10000),
  admin: port("GATEWARDEN_ADMIN_PORT", 9901),
  tmeHttp: port("TME_HTTP_PORT", 5442),
  tmeGrpc: port("TME_GRPC_PORT", 5441),
  upstream: port("UPSTREAM_PORT", 8080),
};
const pluginConfigFile = process.env.GATEWARDEN_PLUGIN_CONFIG || join(ENVOY_DIR, "plugin-config.json");

const mode = (process.env.GATEWARDEN_MODE || "wasm") as GatewardenMode;
if (!(mode in TEMPLATES)) {
  console.error(`start: GATEWARDEN_MODE=${mode} is not one of ${Object.keys(TEMPLATES).join(", ")}`);
  process.exit(2);
}

/** ext_proc processing modes from EXTPROC_REQUEST_BODY_MODE etc. (the chart's extProc.* names, upper snake case). */
function extProcModes(): Partial<ExtProcModes> {
  const modes: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(EXTPROC_DEFAULTS)) {
    const name = "EXTPROC_" + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
    const raw = process.env[name];
    if (raw === undefined || raw === "") continue;
    modes[key] = typeof fallback === "boolean" ? raw === "true" : raw;
  }
  return modes as Partial<ExtProcModes>;
}

interface DemoConfig {
  serviceName?: string;
  bodyCaptureSize?: number;
  allowedContentTypes?: string[];
  blockingStatusCode?: number;
  blockingMessage?: string;
  policy?: unknown;
}

/**
 * Without the filter the TME decides and captures: it gets the plugin configuration's settings and
 * policy (as TME_* variables and a policy file), so every mode runs the same demo.
 */
function tmeEnvFor(config: DemoConfig): Record<string, string> {
  if (mode === "wasm") return {};
  const env: Record<string, string> = {};
  const set = (name: string, value: unknown) => {
    if (value !== undefined && process.env[name] === undefined) env[name] = Array.isArray(value) ? value.join(",") : String(value);
  };
  set("TME_SERVICE_NAME", config.serviceName);
  set("TME_BODY_CAPTURE_SIZE", config.bodyCaptureSize);
  set("TME_ALLOWED_CONTENT_TYPES", config.allowedContentTypes);
  set("TME_BLOCKING_STATUS_CODE", config.blockingStatusCode);
  set("TME_BLOCKING_MESSAGE", config.blockingMessage);
  if (config.policy !== undefined && !process.env.TME_POLICY_FILE) {
    const file = join(mkdtempSync(join(tmpdir(), "gatewarden-demo-")), "policy.json");
    writeFileSync(file, JSON.stringify(config.policy));
    env.TME_POLICY_FILE = file;
  }
  return env;
}

let demo: DemoConfig | undefined;
function demoConfig(): DemoConfig {
  return (demo ??= JSON.parse(readFileSync(pluginConfigFile, "utf8")) as DemoConfig);
}

function envoyVars(): Record<string, string | number> {
  const grpcPorts = { upstream: ports.upstream, tmeGrpc: ports.tmeGrpc };
  if (mode === "ext_proc") return extProcVars(extProcModes(), grpcPorts);
  if (mode === "ext_authz") return extAuthzVars({ maxRequestBytes: demoConfig().bodyCaptureSize ?? 131072 }, grpcPorts);
  return {
    UPSTREAM_PORT: ports.upstream,
    TME_HTTP_PORT: ports.tmeHttp,
    GATEWARDEN_WASM: WASM_PATH,
    // The filter presents the stack's agent token on every call to the TME.
    GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar({ agentToken, ...(JSON.parse(readFileSync(pluginConfigFile, "utf8")) as object) }),
  };
}
// The admin API and GET /v1/captures need the admin token, reports and polls the agent token; the
// demo makes both unless given.
const adminToken = process.env.TME_ADMIN_TOKEN || randomBytes(18).toString("base64url");
const agentToken = process.env.TME_AGENT_TOKEN || randomBytes(18).toString("base64url");

let upstream: Upstream | undefined;
let tme: TmeProcess | undefined;
let envoy: EnvoyProcess | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await envoy?.stop();
    await tme?.stop();
    await upstream?.stop();
  }
  process.exit(code);
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

try {
  const vars = envoyVars();
  upstream = await startUpstream(ports.upstream);
  tme = await startTmeProcess({
    httpPort: ports.tmeHttp,
    grpcPort: ports.tmeGrpc,
    inheritOutput: true,
    // The demo puts a client on the deny list for ten minutes after 20 attacks within a minute.
    env: {
      TME_ADMIN_TOKEN: adminToken,
      TME_AGENT_TOKEN: agentToken,
      TME_AUTODENY_THRESHOLD: process.env.TME_AUTODENY_THRESHOLD || "20",
      ...tmeEnvFor(demoConfig()),
    },
  });
  envoy = await startEnvoy({
    template: TEMPLATES[mode],
    listenPort: ports.listen,
    adminPort: ports.admin,
    concurrency: 2,
    logLevel: "warn",
    inheritOutput: true,
    vars,
  });
  console.log(
    [
      `gatewarden ready (${mode} mode); try (Ctrl-C stops everything):`,
      `TOKEN=${adminToken}   # TME_ADMIN_TOKEN`,
      `curl -d '{"hello":"world"}' -H 'content-type: application/json' ${envoy.url}/anything   # 200, captured`,
      `curl "${envoy.url}/items?id=1%27%20OR%20%271%27%3D%271"   # 403, SQL injection`,
      `curl -s -H "authorization: Bearer $TOKEN" "${tme.url}/v1/captures?limit=5"   # what was captured`,
      `curl -s ${envoy.adminUrl}/stats/prometheus | grep ^gatewarden_   # the filter's metrics`,
    ].join("\n"),
  );
  for (const child of [envoy.process, tme.process]) {
    child.once("exit", (code) => {
      if (!stopping) {
        console.error(`start: a child process exited unexpectedly (code ${code}); stopping the stack`);
        void stopAll(1);
      }
    });
  }
} catch (error) {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
