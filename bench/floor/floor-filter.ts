// The benchmark's floor: a filter on our own ABI layer (filter/assembly/host/: streams found by id in
// an IdTable, callouts answered by token) and the same compiler options as ours that does nothing
// (every callback continues). What it costs over plain Envoy is the price of having any Wasm filter of
// this stack in the chain; only what ours costs above it is ours to optimise.
export * from "../../filter/assembly/host/exports";
import { RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly/runtime";
import { FilterRoot, Stream } from "../../filter/assembly/host/stream";

class FloorRoot extends FilterRoot {
  newStream(id: u32): Stream {
    return new Stream(id);
  }
}

function createRoot(context_id: u32): RootContext {
  return new FloorRoot(context_id);
}

registerRootContext(createRoot, "gatewarden");
