// The benchmark's floor: a filter built with the same ABI layer (filter/assembly/host/exports.ts: our
// stream dispatch over the AssemblyScript SDK) and options as ours that does nothing (every callback
// continues). What it costs over plain Envoy is the price of having any Wasm filter of this stack in
// the chain; only what ours costs above it is ours to optimise.
export * from "../../filter/assembly/host/exports";
import { Context, RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly/runtime";

class FloorRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Context(context_id, this);
  }
}

function createRoot(context_id: u32): RootContext {
  return new FloorRoot(context_id);
}

registerRootContext(createRoot, "gatewarden");
