// Entry point of the TME injection webhook (bundled to build/webhook.mjs; in the image: node /app/webhook.mjs).
//   WEBHOOK_PORT       listen port (default 8443), on WEBHOOK_HOST (default 0.0.0.0)
//   WEBHOOK_TLS_CERT   PEM certificate file (default /etc/gatewarden-webhook/tls/tls.crt)
//   WEBHOOK_TLS_KEY    PEM private key file (default /etc/gatewarden-webhook/tls/tls.key)
//   WEBHOOK_CONFIG     injection config JSON (default /etc/gatewarden-webhook/config/injection.json)
import { readFileSync } from "node:fs";
import { loadInjectionConfig, WebhookConfigError } from "./config.ts";
import { startWebhookServer } from "./server.ts";

async function main(): Promise<void> {
  const env = process.env;
  const certFile = env.WEBHOOK_TLS_CERT || "/etc/gatewarden-webhook/tls/tls.crt";
  const keyFile = env.WEBHOOK_TLS_KEY || "/etc/gatewarden-webhook/tls/tls.key";
  const port = Number(env.WEBHOOK_PORT || "8443");
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new WebhookConfigError(`WEBHOOK_PORT: expected a port number, got ${JSON.stringify(env.WEBHOOK_PORT)}`);
  const config = loadInjectionConfig(env.WEBHOOK_CONFIG || "/etc/gatewarden-webhook/config/injection.json");
  let cert: Buffer, key: Buffer;
  try {
    cert = readFileSync(certFile);
    key = readFileSync(keyFile);
  } catch (error) {
    throw new WebhookConfigError(`TLS: ${(error as Error).message}`);
  }
  const running = await startWebhookServer({ cert, key, config, port, host: env.WEBHOOK_HOST || "0.0.0.0" });
  console.log(`tme-injector listening https=${env.WEBHOOK_HOST || "0.0.0.0"}:${running.port} image=${config.image}`);
  const stop = () => {
    running.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error) => {
  console.error(error instanceof WebhookConfigError ? `tme-injector: ${error.message}` : error);
  process.exit(1);
});
