// The module's entry: the proxy-wasm ABI exports (host/exports.ts); we register our root context under
// the root id Istio uses (the WasmPlugin's name) or "gatewarden" for plain Envoy.
export * from "./host/exports";
import { RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly/runtime";
import { GatewardenRoot } from "./plugin";

function createRoot(context_id: u32): RootContext {
  return new GatewardenRoot(context_id);
}

registerRootContext(createRoot, "gatewarden");
