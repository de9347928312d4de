// The Wasm module as an OCI image in the form Istio pulls ("compat" image): one tar+gzip layer holding
// plugin.wasm, a standard image config, an OCI image manifest, written as an OCI image layout directory
// (oci-layout, index.json, blobs/sha256/…) plus a tarball of that directory (an `oci-archive`).
// Everything is reproducible: same module and version → same bytes, same digests.
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** Name of the module inside the layer: Istio looks for exactly this file. */
export const MODULE_FILE = "plugin.wasm";

const EPOCH = new Date(0);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface WasmImage {
  /** sha256 (hex) of the module itself: what `sha256` means for https:// and file:// URLs. */
  moduleSha256: string;
  manifestDigest: string;
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
  /** digest → bytes of every blob (manifest, config, layer). */
  blobs: Map<string, Buffer>;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function descriptor(mediaType: string, data: Buffer, annotations?: Record<string, string>): Descriptor {
  return { mediaType, digest: `sha256:${sha256(data)}`, size: data.length, ...(annotations ? { annotations } : {}) };
}

/** Files in a fresh temp dir with fixed modes and times, so tar output does not depend on the machine. */
function stage(files: Array<[string, Buffer | null]>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "gatewarden-oci-"));
  for (const [name, data] of files) {
    const path = join(dir, name);
    if (data === null) {
      mkdirSync(path, { recursive: true });
      chmodSync(path, 0o755);
    } else {
      writeFileSync(path, data);
      chmodSync(path, 0o644);
    }
    utimesSync(path, EPOCH, EPOCH);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tar of `entries` (paths relative to `cwd`, in this order), with no owner, user or time information. */
function tarOf(cwd: string, entries: string[]): Buffer {
  const pack = new tar.PackSync({ cwd, portable: true, noDirRecurse: true, mtime: EPOCH, gzip: false });
  const chunks: Buffer[] = [];
  pack.on("data", (c: Buffer) => chunks.push(Buffer.from(c)));
  for (const e of entries) pack.add(e);
  pack.end();
  return Buffer.concat(chunks);
}

export function buildWasmImage(module: Buffer, version: string): WasmImage {
  const staged = stage([[MODULE_FILE, module]]);
  let layerTar: Buffer;
  try {
    layerTar = tarOf(staged.dir, [MODULE_FILE]);
  } finally {
    staged.cleanup();
  }
  const layerBytes = gzipSync(layerTar, { level: 9 });
  const layer = descriptor(MEDIA_TYPES.layer, layerBytes);
  const moduleSha256 = sha256(module);
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: "wasm",
      os: "wasi",
      config: {},
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(layerTar)}`] },
    }),
  );
  const config = descriptor(MEDIA_TYPES.config, configBytes);
  const manifestBytes = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config,
        layers: [layer],
        annotations: {
          "org.opencontainers.image.title": "gatewarden",
          "org.opencontainers.image.description": "Gatewarden Envoy Wasm filter (plugin.wasm) for Istio WasmPlugin",
          "org.opencontainers.image.version": version,
          "org.opencontainers.image.licenses": "Apache-2.0",
          "io.gatewarden.module.sha256": moduleSha256,
        },
      },
      null,
      2,
    ),
  );
  const manifest = descriptor(MEDIA_TYPES.manifest, manifestBytes, { "org.opencontainers.image.ref.name": version });
  const blobs = new Map<string, Buffer>([
    [layer.digest, layerBytes],
    [config.digest, configBytes],
    [manifest.digest, manifestBytes],
  ]);
  return { moduleSha256, manifestDigest: manifest.digest, manifest, config, layer, blobs };
}

/** Writes the image layout to `dir` (replacing it) and the oci-archive tarball to `tarball`. */
export function writeLayout(image: WasmImage, dir: string, tarball: string): void {
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [image.manifest] }, null, 2));
  const blobNames = [...image.blobs.keys()].sort().map((d) => `blobs/sha256/${d.slice("sha256:".length)}`);
  const files: Array<[string, Buffer | null]> = [
    ["oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" }))],
    ["index.json", index],
    ["blobs", null],
    ["blobs/sha256", null],
    ...blobNames.map((name): [string, Buffer] => [name, image.blobs.get(`sha256:${name.slice("blobs/sha256/".length)}`)!]),
  ];
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) {
    const path = join(dir, name);
    if (data === null) mkdirSync(path, { recursive: true });
    else writeFileSync(path, data);
  }
  const staged = stage(files);
  try {
    writeFileSync(
      tarball,
      tarOf(
        staged.dir,
        files.map(([name]) => name),
      ),
    );
  } finally {
    staged.cleanup();
  }
}
