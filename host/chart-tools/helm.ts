// Runs the project's Helm (HELM_BIN, or the one `npm run setup` builds into .cache/bin) on the chart.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "../devstack/paths.ts";

export const CHART_DIR = join(ROOT, "deploy", "helm", "gatewarden");
export const MANIFESTS_DIR = join(ROOT, "deploy", "manifests");
/** Release name and namespace of the plain manifest bundle (and of the tests' renders). */
export const RELEASE = "gatewarden";
export const RELEASE_NAMESPACE = "gatewarden-system";

export function helmBinary(): string {
  const bin = process.env.HELM_BIN || join(ROOT, ".cache", "bin", "helm");
  if (!existsSync(bin)) throw new Error(`helm not found at ${bin}: run \`npm run setup\` (or set HELM_BIN)`);
  return bin;
}

export class HelmError extends Error {
  constructor(
    message: string,
    public readonly stderr: string,
  ) {
    super(message);
  }
}

export interface TemplateOptions {
  /** --set-json style values: each key is a dotted path, each value any JSON value. */
  set?: Record<string, unknown>;
  /** Values files' contents (objects), applied in order before `set`. */
  values?: Record<string, unknown>[];
  namespace?: string;
  release?: string;
}

function run(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = execFile(
      helmBinary(),
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(ROOT, ".cache", "helm", "cache"),
          HELM_CONFIG_HOME: join(ROOT, ".cache", "helm", "config"),
          HELM_DATA_HOME: join(ROOT, ".cache", "helm", "data"),
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new HelmError(`helm ${args[0]} failed: ${stderr.trim() || error.message}`, stderr));
        else resolveRun({ stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** `helm template` of the chart: the rendered YAML stream (a values object goes in on stdin, `--values -`). */
export async function helmTemplate(opts: TemplateOptions = {}): Promise<string> {
  const args = ["template", opts.release ?? RELEASE, CHART_DIR, "--namespace", opts.namespace ?? RELEASE_NAMESPACE];
  let input: string | undefined;
  if (opts.values?.length) {
    if (opts.values.length > 1) throw new Error("helmTemplate: at most one values object");
    args.push("--values", "-");
    input = JSON.stringify(opts.values[0]);
  }
  for (const [key, value] of Object.entries(opts.set ?? {})) args.push("--set-json", `${key}=${JSON.stringify(value)}`);
  return (await run(args, input)).stdout;
}

export async function helmVersion(): Promise<string> {
  return (await run(["version", "--template", "{{.Version}}"])).stdout.trim();
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The objects of a YAML stream (empty documents dropped); a YAML error throws. */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as K8sObject | null;
    if (obj) out.push(obj);
  }
  return out;
}
