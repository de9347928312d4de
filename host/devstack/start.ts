// `npm start`: the local stack — the demo upstream, the TME and Envoy with the filter — in one
// process tree that stops together on Ctrl-C or SIGTERM.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startEnvoy, pluginConfigScalar, type EnvoyProcess } from "./envoy.ts";
import { startUpstream, type Upstream } from "./upstream.ts";
import { startTmeProcess, type TmeProcess } from "./tme.ts";
import { ENVOY_DIR, WASM_PATH } from "./paths.ts";

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
// The admin API (policy updates, deny list) needs a token; the demo makes one unless given.
const adminToken = process.env.TME_ADMIN_TOKEN || randomBytes(18).toString("base64url");

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
  const pluginConfig = readFileSync(pluginConfigFile, "utf8");
  upstream = await startUpstream(ports.upstream);
  tme = await startTmeProcess({
    httpPort: ports.tmeHttp,
    grpcPort: ports.tmeGrpc,
    inheritOutput: true,
    // The demo puts a client on the deny list for ten minutes after 20 attacks within a minute.
    env: { TME_ADMIN_TOKEN: adminToken, TME_AUTODENY_THRESHOLD: process.env.TME_AUTODENY_THRESHOLD || "20" },
  });
  envoy = await startEnvoy({
    template: "wasm.yaml",
    listenPort: ports.listen,
    adminPort: ports.admin,
    concurrency: 2,
    logLevel: "warn",
    inheritOutput: true,
    vars: {
      UPSTREAM_PORT: ports.upstream,
      TME_HTTP_PORT: ports.tmeHttp,
      GATEWARDEN_WASM: WASM_PATH,
      GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar(pluginConfig),
    },
  });
  console.log(
    `gatewarden ready: send traffic to ${envoy.url} (e.g. curl -d '{"hello":"world"}' -H 'content-type: application/json' ${envoy.url}/anything), ` +
    `see captures at ${tme.url}/v1/captures, filter metrics at ${envoy.adminUrl}/stats/prometheus, ` +
    `TME admin token ${adminToken} — Ctrl-C stops everything`,
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
