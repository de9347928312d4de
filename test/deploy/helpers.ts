// Shared by the deploy tests: render the chart with the real Helm, validate every object against the
// Kubernetes schemas (kubernetes-models) and Istio's own published CRD schemas (fixtures/istio-crds.yaml,
// the ones the kube-apiserver test installs), and pick objects out of a render.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { helmTemplate, parseObjects, type K8sObject, type TemplateOptions } from "../../host/chart-tools/helm.ts";

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  "v1/ConfigMap": ConfigMap as unknown as Model,
  "v1/Namespace": Namespace as unknown as Model,
  "v1/Pod": Pod as unknown as Model,
  "v1/Secret": Secret as unknown as Model,
  "v1/Service": Service as unknown as Model,
  "v1/ServiceAccount": ServiceAccount as unknown as Model,
  "apps/v1/Deployment": Deployment as unknown as Model,
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": MutatingWebhookConfiguration as unknown as Model,
};

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }>;
  };
}
/** One validator per served apiVersion/kind of the vendored Istio CRDs (structural schemas: the
 * x-kubernetes-* extensions and CEL rules are the API server's, checked by kube-apiserver.test.ts). */
const ISTIO: Record<string, ValidateFunction> = (() => {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
  const out: Record<string, ValidateFunction> = {};
  const crds = parseObjects(readFileSync(join(import.meta.dirname, "fixtures", "istio-crds.yaml"), "utf8")) as unknown as Crd[];
  for (const crd of crds) {
    for (const v of crd.spec.versions) {
      if (v.served) out[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = ajv.compile(v.schema.openAPIV3Schema);
    }
  }
  return out;
})();

/** Validates one object with its schema; a kind without a schema here is an error too. */
export function validateObject(obj: K8sObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const istio = ISTIO[key];
  if (istio) {
    const valid: boolean = istio(obj as unknown);
    if (!valid) {
      const e = istio.errors![0]!;
      throw new Error(`${key} ${obj.metadata?.name} is invalid: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    }
    return;
  }
  const model = MODELS[key];
  if (!model) throw new Error(`no schema for ${key} (${obj.metadata?.name}): add it to test/deploy/helpers.ts`);
  try {
    new model(obj as never).validate();
  } catch (error) {
    throw new Error(`${key} ${obj.metadata?.name} is invalid: ${(error as Error).message}`);
  }
}

export async function render(opts: TemplateOptions = {}): Promise<K8sObject[]> {
  return parseObjects(await helmTemplate(opts));
}

export function only(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`,
    );
  }
  return found[0]!;
}

export function all(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

// Shapes of the parts the tests read.
export interface ConfigPatch {
  applyTo: string;
  match: { context: string; listener?: { filterChain?: { filter?: { name?: string; subFilter?: { name?: string } } } } };
  patch: { operation: string; value: Record<string, unknown> & { name: string } };
}
export function configPatches(envoyFilter: K8sObject): ConfigPatch[] {
  return (envoyFilter.spec as { configPatches: ConfigPatch[] }).configPatches;
}
export interface WasmPluginSpec {
  selector: { matchLabels: Record<string, string> };
  pluginName: string;
  phase: string;
  priority: number;
  failStrategy: string;
  url: string;
  sha256?: string;
  imagePullPolicy: string;
  pluginConfig: Record<string, unknown> & { report: Record<string, unknown> };
}
export function wasmSpec(objects: K8sObject[]): WasmPluginSpec {
  return only(objects, "WasmPlugin").spec as WasmPluginSpec;
}
