// The Envoy bootstraps under test, all derived from the templates that ship in envoy/, so the benchmark
// measures what users run and the variants differ only in the filter:
//   plain           envoy/wasm.yaml with the gatewarden Wasm filter removed
//   wasm-*          envoy/wasm.yaml as is, with the variant's plugin configuration
//   ext_proc-*      envoy/ext-proc.yaml (when it exists) with its ext_proc filter set to the variant's mode
//   upstream        envoy/bench-upstream.yaml: a direct_response Envoy behind all of them
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderTemplate, pluginConfigScalar } from "../../host/devstack/envoy.ts";
import { ENVOY_DIR, TME_BUNDLE } from "../../host/devstack/paths.ts";
import { EXTPROC_DEFAULTS, extProcVars as gatewayExtProcVars, type ExtProcModes } from "../../host/devstack/gateway-modes.ts";

type Obj = Record<string, unknown>;

export const EXT_PROC_TEMPLATE = "ext-proc.yaml";
const EXT_PROC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor";
const WASM_TYPE = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

function placeholders(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!));
}

function render(template: string, vars: Record<string, string | number>): Obj {
  const text = readFileSync(join(ENVOY_DIR, template), "utf8");
  return parse(renderTemplate(text, vars)) as Obj;
}

/** Every HTTP filter list in the bootstrap's static listeners (one per HTTP connection manager). */
function httpFilterLists(bootstrap: Obj): Obj[][] {
  const lists: Obj[][] = [];
  const listeners = ((bootstrap.static_resources as Obj | undefined)?.listeners ?? []) as Obj[];
  for (const listener of listeners) {
    for (const chain of (listener.filter_chains ?? []) as Obj[]) {
      for (const filter of (chain.filters ?? []) as Obj[]) {
        const hcm = filter.typed_config as Obj | undefined;
        if (hcm && Array.isArray(hcm.http_filters)) lists.push(hcm.http_filters as Obj[]);
      }
    }
  }
  return lists;
}

function typeOf(filter: Obj): string {
  return String((filter.typed_config as Obj | undefined)?.["@type"] ?? "");
}

export interface CommonPorts {
  listenPort: number;
  adminPort: number;
  upstreamPort: number;
  tmeHttpPort: number;
  tmeGrpcPort: number;
}

export function upstreamBootstrap(listenPort: number, adminPort: number): Obj {
  return render("bench-upstream.yaml", { GATEWARDEN_LISTEN_PORT: listenPort, GATEWARDEN_ADMIN_PORT: adminPort });
}

export function wasmBootstrap(ports: CommonPorts, wasmPath: string, pluginConfig: unknown): Obj {
  return render("wasm.yaml", {
    GATEWARDEN_LISTEN_PORT: ports.listenPort,
    GATEWARDEN_ADMIN_PORT: ports.adminPort,
    UPSTREAM_PORT: ports.upstreamPort,
    TME_HTTP_PORT: ports.tmeHttpPort,
    GATEWARDEN_WASM: wasmPath,
    GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar(pluginConfig),
  });
}

/** envoy/wasm.yaml without its Wasm filter: the same listener, routes, clusters and overload manager. */
export function plainBootstrap(ports: CommonPorts, wasmPath: string): Obj {
  const b = wasmBootstrap(ports, wasmPath, {});
  let removed = 0;
  for (const list of httpFilterLists(b)) {
    for (let i = list.length - 1; i >= 0; i--) {
      if (typeOf(list[i]!) === WASM_TYPE) {
        list.splice(i, 1);
        removed++;
      }
    }
  }
  if (removed === 0) throw new Error("envoy/wasm.yaml: found no Wasm filter to remove for the plain variant");
  return b;
}

/** Why the ext_proc variants cannot run, or undefined when they can. */
export function extProcUnavailable(): string | undefined {
  const template = join(ENVOY_DIR, EXT_PROC_TEMPLATE);
  if (!existsSync(template)) return `envoy/${EXT_PROC_TEMPLATE} does not exist yet (ext_proc mode is not in this checkout)`;
  if (!existsSync(TME_BUNDLE)) return "build/tme-server.mjs is missing: run npm run build";
  if (!readFileSync(TME_BUNDLE, "utf8").includes("ExternalProcessor")) {
    return "build/tme-server.mjs serves no envoy.service.ext_proc.v3.ExternalProcessor: rebuild (npm run build) once the TME's ext_proc service exists";
  }
  const known = new Set(Object.keys(extProcVars({ listenPort: 0, adminPort: 0, upstreamPort: 0, tmeHttpPort: 0, tmeGrpcPort: 0 }, "")));
  const unknown = [...placeholders(readFileSync(template, "utf8"))].filter((p) => !known.has(p));
  if (unknown.length > 0) {
    return `envoy/${EXT_PROC_TEMPLATE} has placeholders the benchmark does not fill: ${unknown.join(", ")} (add them in bench/lib/bootstraps.ts extProcVars)`;
  }
  const probe = render(
    EXT_PROC_TEMPLATE,
    extProcVars({ listenPort: 1, adminPort: 2, upstreamPort: 3, tmeHttpPort: 4, tmeGrpcPort: 5 }, "/dev/null"),
  );
  if (!httpFilterLists(probe).some((l) => l.some((f) => typeOf(f) === EXT_PROC_TYPE))) {
    return `envoy/${EXT_PROC_TEMPLATE} has no envoy.filters.http.ext_proc filter`;
  }
  return undefined;
}

export type ExtProcMode = "buffered" | "observability";

/**
 * The ext_proc settings under test (the chart's extProc.* names). Failures must show: a failing or slow
 * TME becomes a 5xx (failure_mode_allow off), not a silently fast pass-through.
 *   buffered       request and response headers and whole bodies, each answered by the TME
 *   observability  the same exchange streamed to the TME without waiting for answers (Envoy supports only
 *                  STREAMED bodies in this mode)
 */
function extProcSettings(mode: ExtProcMode): ExtProcModes {
  const body = mode === "buffered" ? "BUFFERED" : "STREAMED";
  return {
    ...EXTPROC_DEFAULTS,
    requestBodyMode: body,
    responseBodyMode: body,
    requestTrailerMode: "SKIP",
    responseTrailerMode: "SKIP",
    observabilityMode: mode === "observability",
    allowModeOverride: false,
    allowFailureMode: false,
  };
}

/** The placeholder values offered to envoy/ext-proc.yaml: envoy/wasm.yaml's names, and the devstack's ext_proc values. */
function extProcVars(ports: CommonPorts, wasmPath: string, mode: ExtProcMode = "buffered"): Record<string, string | number> {
  return {
    GATEWARDEN_LISTEN_PORT: ports.listenPort,
    GATEWARDEN_ADMIN_PORT: ports.adminPort,
    TME_HTTP_PORT: ports.tmeHttpPort,
    GATEWARDEN_WASM: wasmPath,
    GATEWARDEN_PLUGIN_CONFIG: pluginConfigScalar({}),
    ...gatewayExtProcVars(extProcSettings(mode), { upstream: ports.upstreamPort, tmeGrpc: ports.tmeGrpcPort }),
  };
}

/**
 * envoy/ext-proc.yaml with its ext_proc filter set to the mode under test: through its placeholders, and
 * again on the parsed bootstrap, so the mode is right even if the template hard-codes a setting.
 */
export function extProcBootstrap(ports: CommonPorts, mode: ExtProcMode): Obj {
  const b = render(EXT_PROC_TEMPLATE, extProcVars(ports, "", mode));
  const m = extProcSettings(mode);
  let found = 0;
  for (const list of httpFilterLists(b)) {
    for (const filter of list) {
      if (typeOf(filter) !== EXT_PROC_TYPE) continue;
      found++;
      const tc = filter.typed_config as Obj;
      tc.processing_mode = {
        request_header_mode: m.requestHeaderMode,
        response_header_mode: m.responseHeaderMode,
        request_body_mode: m.requestBodyMode,
        response_body_mode: m.responseBodyMode,
        request_trailer_mode: m.requestTrailerMode,
        response_trailer_mode: m.responseTrailerMode,
      };
      tc.observability_mode = m.observabilityMode;
      tc.failure_mode_allow = m.allowFailureMode;
      tc.allow_mode_override = m.allowModeOverride;
    }
  }
  if (found === 0) throw new Error(`envoy/${EXT_PROC_TEMPLATE}: no ext_proc filter`);
  return b;
}
