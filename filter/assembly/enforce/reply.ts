// Local replies: the client gets the configured status and message, the request id to quote to
// support, and nothing about the rule unless the policy says so.
import { send_local_response, GrpcStatusValues, Headers } from "@solo-io/proxy-runtime/assembly/runtime";
import { pair } from "../host/callout";

export function sendReply(status: i32, message: string, requestId: string, details: string): void {
  const headers: Headers = [pair("content-type", "text/plain; charset=utf-8")];
  if (requestId.length > 0) headers.push(pair("x-request-id", requestId));
  send_local_response(<u32>status, details, String.UTF8.encode(message), headers, GrpcStatusValues.InvalidCode);
}
