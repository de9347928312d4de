// The host-independent engine: the filter's own policy and detection code, compiled to a second
// .wasm that the TME loads, so that both sides decide with one implementation.
import { parsePolicy } from "./policy/parse";

/** "" when the policy is valid, else the first error, naming the field. */
export function validatePolicy(text: string): string {
  return parsePolicy(text).error;
}
