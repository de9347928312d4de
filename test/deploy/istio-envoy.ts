// Turns rendered Istio objects into the Envoy config istiod would push to the gateway, reduced to what
// matters here: a WasmPlugin becomes an envoy.filters.http.wasm filter (root_id = pluginName, the
// pluginConfig as a JSON string, failStrategy → failure_policy); EnvoyFilter CLUSTER ADD and HTTP_FILTER
// INSERT_BEFORE patches are applied as written. Anything else in an EnvoyFilter is an error here, so a
// chart change that this translation does not cover fails the test instead of being skipped.
import type { K8sObject } from "../../host/chart-tools/helm.ts";
import type { ConfigPatch, WasmPluginSpec } from "./helpers.ts";

export interface GatewayConfig {
  httpFilters: Array<Record<string, unknown>>;
  clusters: Array<Record<string, unknown>>;
}

const ROUTER = {
  name: "envoy.filters.http.router",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
};

export function upstreamCluster(port: number): Record<string, unknown> {
  return {
    name: "upstream",
    type: "STATIC",
    connect_timeout: "1s",
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    load_assignment: {
      cluster_name: "upstream",
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }],
    },
  };
}

/** The filter istiod makes of a WasmPlugin, with the module taken from a local file (the agent's download). */
export function wasmFilter(plugin: K8sObject, moduleFile: string): Record<string, unknown> {
  const spec = plugin.spec as WasmPluginSpec;
  const name = `${plugin.metadata.namespace}.${plugin.metadata.name}`;
  return {
    name,
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name,
        root_id: spec.pluginName,
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(spec.pluginConfig) },
        failure_policy: spec.failStrategy === "FAIL_OPEN" ? "FAIL_OPEN" : "FAIL_CLOSED",
        vm_config: { runtime: "envoy.wasm.runtime.v8", code: { local: { filename: moduleFile } } },
      },
    },
  };
}

function matchesGateway(patch: ConfigPatch): void {
  if (patch.match.context !== "GATEWAY") throw new Error(`patch context ${patch.match.context}: only GATEWAY is expected`);
}

/** Applies an EnvoyFilter's patches to `config` (in place). */
export function applyEnvoyFilter(config: GatewayConfig, envoyFilter: K8sObject): void {
  for (const patch of (envoyFilter.spec as { configPatches: ConfigPatch[] }).configPatches) {
    matchesGateway(patch);
    const value = structuredClone(patch.patch.value);
    if (patch.applyTo === "CLUSTER" && patch.patch.operation === "ADD") {
      if (config.clusters.some((c) => c.name === value.name)) throw new Error(`cluster ${value.name} added twice`);
      config.clusters.push(value);
    } else if (patch.applyTo === "HTTP_FILTER" && patch.patch.operation === "INSERT_BEFORE") {
      const target = patch.match.listener?.filterChain?.filter;
      if (target?.name !== "envoy.filters.network.http_connection_manager")
        throw new Error("HTTP_FILTER patch must match the HTTP connection manager");
      const at = config.httpFilters.findIndex((f) => f.name === target.subFilter?.name);
      if (at < 0) throw new Error(`HTTP_FILTER patch: no filter ${target.subFilter?.name} to insert before`);
      config.httpFilters.splice(at, 0, value);
    } else {
      throw new Error(`EnvoyFilter patch ${patch.applyTo} ${patch.patch.operation} is not handled by test/deploy/istio-envoy.ts`);
    }
  }
}

/** The gateway's filters and clusters for a rendered set of objects. */
export function gatewayConfig(objects: K8sObject[], opts: { upstreamPort: number; moduleFile: string }): GatewayConfig {
  const config: GatewayConfig = { httpFilters: [ROUTER], clusters: [upstreamCluster(opts.upstreamPort)] };
  for (const o of objects) if (o.kind === "EnvoyFilter") applyEnvoyFilter(config, o);
  // Phase AUTHN puts the plugin ahead of every other HTTP filter of the gateway.
  const plugins = objects.filter((o) => o.kind === "WasmPlugin");
  config.httpFilters.unshift(...plugins.map((p) => wasmFilter(p, opts.moduleFile)));
  return config;
}

/** Rewrites the port of `cluster`'s only endpoint (the test's TME cannot own the fixed port), checking the old one. */
export function retargetCluster(config: GatewayConfig, name: string, expectedPort: number, port: number): void {
  const cluster = config.clusters.find((c) => c.name === name) as any;
  if (!cluster) throw new Error(`no cluster ${name}`);
  const address = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  if (address.port_value !== expectedPort)
    throw new Error(`cluster ${name} points at port ${address.port_value}, expected ${expectedPort}`);
  address.port_value = port;
}
