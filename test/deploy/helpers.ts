// Shared by the deploy tests: render the chart with the real Helm, validate every object against the
// Kubernetes / Istio schemas, and pick objects out of a render.
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3";
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1";
import { ServiceEntry } from "@kubernetes-models/istio/networking.istio.io/v1";
import { ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { helmTemplate, parseObjects, type K8sObject, type TemplateOptions } from "../../host/chart-tools/helm.ts";

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  "extensions.istio.io/v1alpha1/WasmPlugin": WasmPlugin as unknown as Model,
  "networking.istio.io/v1alpha3/EnvoyFilter": EnvoyFilter as unknown as Model,
  "networking.istio.io/v1/ServiceEntry": ServiceEntry as unknown as Model,
  "security.istio.io/v1/AuthorizationPolicy": AuthorizationPolicy as unknown as Model,
  "v1/ConfigMap": ConfigMap as unknown as Model,
  "v1/Namespace": Namespace as unknown as Model,
  "v1/Pod": Pod as unknown as Model,
  "v1/Secret": Secret as unknown as Model,
  "v1/Service": Service as unknown as Model,
  "v1/ServiceAccount": ServiceAccount as unknown as Model,
  "apps/v1/Deployment": Deployment as unknown as Model,
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": MutatingWebhookConfiguration as unknown as Model,
};

/** Validates one object with its schema; a kind without a schema here is an error too. */
export function validateObject(obj: K8sObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
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
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
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
