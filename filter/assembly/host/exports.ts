// Every proxy-wasm ABI export of a filter module. Stream callbacks and ticks (streams.ts) and callout
// answers (callout.ts) are ours: fewer lookups and no wrappers on the hot path, and the points where
// garbage is collected (memory/collect.ts); so is the allocator (malloc.ts), which counts what the host
// has us allocate. Roots and configuration are the SDK's.
export {
  proxy_abi_version_0_2_0,
  proxy_on_vm_start,
  proxy_validate_configuration,
  proxy_on_configure,
  proxy_on_foreign_function,
  proxy_on_queue_ready,
  proxy_on_grpc_receive_initial_metadata,
  proxy_on_grpc_trailing_metadata,
  proxy_on_grpc_receive,
  proxy_on_grpc_close,
} from "@solo-io/proxy-runtime/assembly/exports";
export * from "./streams";
export { proxy_on_http_call_response } from "./callout";
export { malloc, free } from "./malloc";
