// The demo upstream: a cleartext HTTP/2 echo service (Envoy talks HTTP/2 to it, so gRPC passes too).
//   any path          → 200 JSON echo of method, path, query, headers and body
//   /status/<code>    → that status, with the echo as body
//   /json/<n>         → a JSON document of exactly n bytes
//   /bytes/<n>        → n bytes of application/octet-stream (all byte values)
//   /redirect?to=<url> → 302 to that URL (Location), with the echo as body
//   /gzip             → the echo, gzip-compressed (content-encoding: gzip)
//   content-type application/grpc* → a gRPC reply echoing the request message; `x-grpc-status` picks the
//                       grpc-status trailer (default 0)
import { gzipSync } from "node:zlib";
import { createServer, constants, type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders } from "node:http2";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE } = constants;

export interface Upstream {
  port: number;
  server: Http2Server;
  /**
   * How many complete requests (headers and whole body) arrived per x-test-id header: tests check
   * that a blocked request never did.
   */
  seen: Map<string, number>;
  /**
   * How many requests started (their headers arrived) per x-test-id header. Without the filter's
   * enforcement.holdHeadersForBody, a request held for its body starts here before it is decided.
   */
  started: Map<string, number>;
  stop(): Promise<void>;
}

export function jsonOfSize(n: number): string {
  const skeleton = '{"pad":""}';
  if (n < skeleton.length) throw new Error(`/json/<n>: n must be at least ${skeleton.length}`);
  return `{"pad":"${"x".repeat(n - skeleton.length)}"}`;
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") && v !== undefined) out[k] = v;
  return out;
}

function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, seen: Map<string, number>, started: Map<string, number>): void {
  const testId = headers["x-test-id"];
  if (typeof testId === "string") started.set(testId, (started.get(testId) ?? 0) + 1);
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("error", () => {});
  stream.on("end", () => {
    // The proxy may reset a stream it blocked after its headers went ahead.
    if (stream.destroyed || stream.closed) return;
    try {
      reply(stream, headers, chunks, seen);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_HTTP2_INVALID_STREAM") throw error;
    }
  });
}

function reply(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, chunks: Buffer[], seen: Map<string, number>): void {
  const testId = headers["x-test-id"];
  if (typeof testId === "string") seen.set(testId, (seen.get(testId) ?? 0) + 1);
  const body = Buffer.concat(chunks);
  const fullPath = String(headers[HTTP2_HEADER_PATH] ?? "/");
  const [path, query = ""] = fullPath.split(/\?(.*)/s, 2);
  const contentType = String(headers[HTTP2_HEADER_CONTENT_TYPE] ?? "");

  if (contentType.startsWith("application/grpc")) {
    const status = String(headers["x-grpc-status"] ?? "0");
    stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () =>
      stream.sendTrailers({ "grpc-status": status, "grpc-message": status === "0" ? "" : "requested status" }),
    );
    stream.end(body); // the request's length-prefixed message, echoed
    return;
  }

  let m = /^\/json\/(\d+)$/.exec(path);
  if (m) {
    stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/json" });
    stream.end(jsonOfSize(Number(m[1])));
    return;
  }
  m = /^\/bytes\/(\d+)$/.exec(path);
  if (m) {
    const out = Buffer.alloc(Number(m[1]));
    for (let i = 0; i < out.length; i++) out[i] = i & 0xff;
    stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/octet-stream" });
    stream.end(out);
    return;
  }
  m = /^\/status\/(\d{3})$/.exec(path);
  const redirect = path === "/redirect" ? new URLSearchParams(query).get("to") : null;
  const status = m ? Number(m[1]) : redirect !== null ? 302 : 200;
  const echo = JSON.stringify({
    method: headers[HTTP2_HEADER_METHOD],
    path,
    query,
    headers: plainHeaders(headers),
    body: body.toString("utf8"),
  });
  const gzip = path === "/gzip";
  stream.respond({
    [HTTP2_HEADER_STATUS]: status,
    [HTTP2_HEADER_CONTENT_TYPE]: "application/json",
    "x-upstream": "echo",
    ...(redirect !== null ? { location: redirect } : {}),
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
  stream.end(gzip ? gzipSync(echo) : echo);
}

export function startUpstream(port = 0, host = "127.0.0.1"): Promise<Upstream> {
  const server = createServer({ maxSessionMemory: 64 });
  const seen = new Map<string, number>();
  const started = new Map<string, number>();
  server.on("stream", (stream, headers) => handle(stream, headers, seen, started));
  server.on("sessionError", () => {});
  return new Promise((resolveUpstream, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === "object" && addr ? addr.port : port;
      resolveUpstream({
        port: actual,
        server,
        seen,
        started,
        stop: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            // Envoy keeps pooled HTTP/2 sessions open; close() waits for them otherwise.
            setTimeout(() => res(), 1000).unref();
          }),
      });
    });
  });
}
