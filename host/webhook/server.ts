// The HTTPS server: POST /mutate answers AdmissionReviews, GET /healthz answers "ok". A body that is not
// JSON, or not an AdmissionReview that can be answered, gets 400 with the reason (the API server then
// applies the webhook's failurePolicy); it never takes the server down.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { InjectionConfig } from "./config.ts";
import { BadReview, review } from "./inject.ts";

/** The API server sends at most 3 MiB objects; anything larger is not a review we can answer. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WebhookServerOptions {
  cert: string | Buffer;
  key: string | Buffer;
  config: InjectionConfig;
  port?: number;
  host?: string;
  log?: (line: string) => void;
}

export interface RunningWebhook {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json" });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolveBody(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolveBody(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function handler(config: InjectionConfig, log: (line: string) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) return send(res, 200, "ok\n");
    if (path !== "/mutate") return send(res, 404, "not found\n");
    if (req.method !== "POST") return send(res, 405, "POST an AdmissionReview to /mutate\n");
    let body: Buffer | undefined;
    try {
      body = await readBody(req);
    } catch {
      return; // the client went away
    }
    if (body === undefined) return send(res, 413, `AdmissionReview larger than ${MAX_BODY_BYTES} bytes\n`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch (error) {
      log(`rejected a request: body is not JSON (${(error as Error).message})`);
      return send(res, 400, `malformed AdmissionReview: body is not JSON: ${(error as Error).message}\n`);
    }
    try {
      const out = review(json, config);
      const r = out.response;
      const pod = (json as { request?: { namespace?: string; object?: { metadata?: { name?: string; generateName?: string } } } }).request;
      const name = `${pod?.namespace ?? "?"}/${pod?.object?.metadata?.name ?? pod?.object?.metadata?.generateName ?? "?"}`;
      if (r.patch) log(`injected the TME into ${name}`);
      for (const w of r.warnings ?? []) log(`${name}: ${w}`);
      return send(res, 200, out);
    } catch (error) {
      if (error instanceof BadReview) {
        log(`rejected a request: ${error.message}`);
        return send(res, 400, `malformed AdmissionReview: ${error.message}\n`);
      }
      log(`internal error: ${(error as Error).stack ?? String(error)}`);
      return send(res, 500, "internal error\n");
    }
  };
}

export function startWebhookServer(opts: WebhookServerOptions): Promise<RunningWebhook> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const handle = handler(opts.config, log);
  const server = createServer({ cert: opts.cert, key: opts.key, minVersion: "TLSv1.2" }, (req, res) => {
    handle(req, res).catch((error) => {
      log(`internal error: ${String(error)}`);
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  });
  server.on("tlsClientError", () => {}); // a client that fails the handshake is its own problem
  return new Promise((resolveServer, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8443, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolveServer({
        server,
        port,
        url: `https://${opts.host && opts.host !== "0.0.0.0" ? opts.host : "127.0.0.1"}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
