// What the webhook injects: the TME container's image, ports, ConfigMap and resources. The chart writes
// this as JSON (its `gatewarden.injectionConfig`); WEBHOOK_CONFIG names the file. Validated once at
// startup; a bad field is named.
import { readFileSync } from "node:fs";
import { z } from "zod";

const quantity = z.union([z.string().min(1), z.number()]);
const port = z.number().int().min(1).max(65535);

export const InjectionConfigSchema = z.object({
  containerName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a DNS label")
    .default("gatewarden-tme"),
  image: z.string().min(1, "expected an image reference"),
  imagePullPolicy: z.enum(["IfNotPresent", "Always", "Never"]).default("IfNotPresent"),
  configMapName: z.string().min(1).default("gatewarden-tme"),
  secretName: z.string().min(1).default("gatewarden-tme"),
  /** The Secret whose `adminToken` becomes TME_ADMIN_TOKEN (the chart's own, or the user's). */
  adminSecretName: z.string().min(1).default("gatewarden-tme"),
  host: z.string().min(1).default("127.0.0.1"),
  httpPort: port.default(5442),
  grpcPort: port.default(5441),
  spoolDir: z.string().startsWith("/", "expected an absolute path").default("/var/lib/gatewarden/spool"),
  resources: z
    .object({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() })
    .default({}),
});

export type InjectionConfig = z.infer<typeof InjectionConfigSchema>;

export class WebhookConfigError extends Error {}

export function parseInjectionConfig(value: unknown): InjectionConfig {
  const parsed = InjectionConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new WebhookConfigError(`injection config: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadInjectionConfig(file: string): InjectionConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new WebhookConfigError(`injection config: cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WebhookConfigError(`injection config: ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseInjectionConfig(json);
}
