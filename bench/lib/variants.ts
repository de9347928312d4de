// The variants the benchmark compares, each a way of putting Envoy in front of the same upstream, and the
// plugin configurations behind the Wasm ones (all derived from envoy/plugin-config.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVOY_DIR } from "../../host/devstack/paths.ts";

export const VARIANTS = [
  "plain",
  "wasm-floor",
  "wasm-capture",
  "wasm-policy",
  "wasm-sync-check",
  "ext_proc-buffered",
  "ext_proc-observability",
] as const;
export type VariantName = (typeof VARIANTS)[number];

export type VariantKind = "plain" | "floor" | "wasm" | "ext_proc";

export interface VariantSpec {
  name: VariantName;
  kind: VariantKind;
  description: string;
  /** The Wasm plugin configuration (wasm variants). */
  pluginConfig?: Record<string, unknown>;
  /** Each request also makes one synchronous check callout to the TME. */
  syncCheck?: boolean;
  extProcMode?: "buffered" | "observability";
}

type Json = Record<string, unknown>;

/** envoy/plugin-config.json, the default configuration of the local stack. */
export function defaultPluginConfig(): Json {
  return JSON.parse(readFileSync(join(ENVOY_DIR, "plugin-config.json"), "utf8")) as Json;
}

/**
 * The default policy with its rate limits raised so they never trigger during a benchmark (the limits are
 * still evaluated on every request, which is the cost we want to see).
 */
export function benchPolicy(): Json {
  const policy = structuredClone(defaultPluginConfig().policy) as Json;
  const limits = (policy.rateLimits ?? []) as Json[];
  for (const limit of limits) limit.requests = 1_000_000_000;
  policy.name = `${String(policy.name ?? "default")}-bench`;
  return policy;
}

/** The filter's reports carry it, as `npm start` and a chart with `agentToken` deploy them: the TME then checks their stated framing rather than scanning each batch. */
export const BENCH_AGENT_TOKEN = "bench-agent-token-0123456789";

function withPolicy(policy: Json, extra: Json = {}): Json {
  const { policy: _ignored, ...rest } = defaultPluginConfig();
  return { ...rest, agentToken: BENCH_AGENT_TOKEN, ...extra, policy };
}

export function variantSpecs(): Record<VariantName, VariantSpec> {
  return {
    plain: { name: "plain", kind: "plain", description: "Envoy with no filter (envoy/wasm.yaml minus the Wasm filter)" },
    "wasm-floor": {
      name: "wasm-floor",
      kind: "floor",
      description: "reference: envoy/wasm.yaml with a do-nothing filter of the same SDK (bench/floor/): the cost of any such Wasm filter",
    },
    "wasm-capture": {
      name: "wasm-capture",
      kind: "wasm",
      description: "the filter capturing and reporting: detection off, no rules",
      pluginConfig: withPolicy({ name: "bench-capture", detection: false }),
    },
    "wasm-policy": {
      name: "wasm-policy",
      kind: "wasm",
      description: "capture plus envoy/plugin-config.json's policy (detection blocking, rules; rate limit raised to 1e9/min)",
      pluginConfig: withPolicy(benchPolicy()),
    },
    "wasm-sync-check": {
      name: "wasm-sync-check",
      kind: "wasm",
      description: "capture plus a synchronous TME check of every request (fail closed, so a failed check is a 503)",
      // allowFailureMode off: a check that fails or times out becomes a 503 the benchmark counts, instead of
      // a request that silently skipped its check.
      pluginConfig: withPolicy(
        { name: "bench-sync-check", detection: false, syncCheck: { match: { path: { prefix: "/" } } } },
        { allowFailureMode: false },
      ),
      syncCheck: true,
    },
    "ext_proc-buffered": {
      name: "ext_proc-buffered",
      kind: "ext_proc",
      description: "envoy/ext-proc.yaml: headers and BUFFERED bodies sent to the TME, each answered",
      extProcMode: "buffered",
    },
    "ext_proc-observability": {
      name: "ext_proc-observability",
      kind: "ext_proc",
      description: "envoy/ext-proc.yaml in observability mode: the exchange streamed to the TME, no answers awaited",
      extProcMode: "observability",
    },
  };
}
