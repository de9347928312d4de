// The admission decision, as a pure function: an AdmissionReview in, an AdmissionReview out (or a
// BadReview when no answer can be addressed). Pods annotated tme.gatewarden.io/inject: "true" get the TME
// container as a JSONPatch; everything else is allowed unchanged. Never denies: a pod this webhook cannot
// understand is admitted as it is, with a warning.
import type { InjectionConfig } from "./config.ts";

export const INJECT_ANNOTATION = "tme.gatewarden.io/inject";
export const STATUS_ANNOTATION = "tme.gatewarden.io/status";
export const CONFIG_VOLUME = "gatewarden-tme-config";
export const SPOOL_VOLUME = "gatewarden-tme-spool";
export const CONFIG_MOUNT = "/etc/gatewarden";

export interface JsonPatchOp {
  op: "add";
  path: string;
  value: unknown;
}

interface Pod {
  metadata?: { name?: string; generateName?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { containers?: Array<{ name?: string }>; volumes?: Array<{ name?: string }> };
}

export interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: "JSONPatch";
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewOut {
  apiVersion: string;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** The review cannot be answered (no uid, wrong kind): the server replies 400 with this message. */
export class BadReview extends Error {}

/** RFC 6901: "~" → "~0", "/" → "~1". */
export function jsonPointerToken(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The container the webhook adds. Probes are exec probes: the TME listens on 127.0.0.1 only, which the
 * kubelet (probing the pod IP) cannot reach. */
export function tmeContainer(cfg: InjectionConfig): Record<string, unknown> {
  const health = `http://${cfg.host.includes(":") ? `[${cfg.host}]` : cfg.host}:${cfg.httpPort}/healthz`;
  const probeCommand = [
    "node",
    "-e",
    `fetch(${JSON.stringify(health)},{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ];
  return {
    name: cfg.containerName,
    image: cfg.image,
    imagePullPolicy: cfg.imagePullPolicy,
    envFrom: [{ configMapRef: { name: cfg.configMapName, optional: true } }],
    // Explicit env wins over envFrom: the TME never listens beyond the pod's loopback, whatever the ConfigMap says.
    env: [
      { name: "TME_HOST", value: cfg.host },
      { name: "TME_HTTP_PORT", value: String(cfg.httpPort) },
      { name: "TME_GRPC_PORT", value: String(cfg.grpcPort) },
      { name: "TME_SPOOL_DIR", value: cfg.spoolDir },
      { name: "TME_AGENT_TOKEN", valueFrom: { secretKeyRef: { name: cfg.secretName, key: "agentToken", optional: true } } },
      { name: "TME_ADMIN_TOKEN", valueFrom: { secretKeyRef: { name: cfg.adminSecretName, key: "adminToken", optional: true } } },
    ],
    resources: cfg.resources,
    readinessProbe: { exec: { command: probeCommand }, initialDelaySeconds: 2, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { exec: { command: probeCommand }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [
      { name: CONFIG_VOLUME, mountPath: CONFIG_MOUNT, readOnly: true },
      { name: SPOOL_VOLUME, mountPath: cfg.spoolDir },
    ],
  };
}

function tmeVolumes(cfg: InjectionConfig): Array<Record<string, unknown>> {
  return [
    { name: CONFIG_VOLUME, configMap: { name: cfg.configMapName, optional: true } },
    { name: SPOOL_VOLUME, emptyDir: { sizeLimit: "1Gi" } },
  ];
}

/** The JSONPatch that adds the TME to `pod`, or undefined when nothing is to be done (and why). */
export function injectionPatch(pod: Pod, cfg: InjectionConfig): { patch?: JsonPatchOp[]; skipped?: string } {
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[INJECT_ANNOTATION] !== "true") return { skipped: `no ${INJECT_ANNOTATION}: "true" annotation` };
  const containers = pod.spec?.containers;
  if (!Array.isArray(containers)) return { skipped: "pod has no spec.containers" };
  if (containers.some((c) => c?.name === cfg.containerName) || annotations[STATUS_ANNOTATION] === "injected") {
    return { skipped: "already injected" };
  }
  const patch: JsonPatchOp[] = [{ op: "add", path: "/spec/containers/-", value: tmeContainer(cfg) }];
  const volumes = pod.spec?.volumes;
  const existing = new Set((volumes ?? []).map((v) => v?.name));
  const missing = tmeVolumes(cfg).filter((v) => !existing.has(v.name as string));
  if (!Array.isArray(volumes)) patch.push({ op: "add", path: "/spec/volumes", value: missing });
  else for (const v of missing) patch.push({ op: "add", path: "/spec/volumes/-", value: v });
  if (!pod.metadata?.annotations) {
    patch.push({ op: "add", path: "/metadata/annotations", value: { [STATUS_ANNOTATION]: "injected" } });
  } else {
    patch.push({ op: "add", path: `/metadata/annotations/${jsonPointerToken(STATUS_ANNOTATION)}`, value: "injected" });
  }
  return { patch };
}

/** Answers one AdmissionReview (admission.k8s.io/v1). Throws BadReview when it cannot be answered. */
export function review(body: unknown, cfg: InjectionConfig): AdmissionReviewOut {
  if (!isObject(body)) throw new BadReview("expected an AdmissionReview JSON object");
  if (body.kind !== "AdmissionReview") throw new BadReview(`kind: expected "AdmissionReview", got ${JSON.stringify(body.kind)}`);
  const apiVersion = typeof body.apiVersion === "string" ? body.apiVersion : "";
  if (apiVersion !== "admission.k8s.io/v1")
    throw new BadReview(`apiVersion: expected "admission.k8s.io/v1", got ${JSON.stringify(body.apiVersion)}`);
  const request = body.request;
  if (!isObject(request)) throw new BadReview("request: missing");
  if (typeof request.uid !== "string" || request.uid === "") throw new BadReview("request.uid: missing");
  const uid = request.uid;
  const answer = (response: Omit<AdmissionResponse, "uid" | "allowed">): AdmissionReviewOut => ({
    apiVersion,
    kind: "AdmissionReview",
    response: { uid, allowed: true, ...response },
  });

  const kind = request.kind;
  const resource = request.resource;
  const isPod =
    (isObject(kind) && kind.kind === "Pod" && (kind.group ?? "") === "") ||
    (isObject(resource) && resource.resource === "pods" && (resource.group ?? "") === "");
  if (!isPod) return answer({ warnings: ["gatewarden tme-injector: not a Pod; admitted unchanged"] });
  if (request.operation !== undefined && request.operation !== "CREATE") return answer({});
  if (!isObject(request.object)) {
    return answer({ warnings: ["gatewarden tme-injector: request.object is not a Pod object; admitted without the TME"] });
  }
  const pod = request.object as Pod;
  if (pod.spec !== undefined && !isObject(pod.spec)) {
    return answer({ warnings: ["gatewarden tme-injector: spec is not an object; admitted without the TME"] });
  }
  const { patch } = injectionPatch(pod, cfg);
  if (!patch) return answer({});
  return answer({ patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(patch)).toString("base64") });
}
