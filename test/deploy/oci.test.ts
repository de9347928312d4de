// `npm run package:oci`: the OCI image layout Istio pulls, parsed back independently — index, manifest,
// config and layer digests and sizes, and plugin.wasm in the layer byte-identical to build/gatewarden.wasm.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import * as tar from "tar";
import { ROOT, WASM_PATH } from "../../host/devstack/paths.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
let out = "";
let stdout = "";

function pack(dest: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "host", "oci", "package.ts"), "--out", dest], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

before(() => {
  out = mkdtempSync(join(tmpdir(), "gatewarden-oci-test-"));
  stdout = pack(out);
});
after(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Entries of an uncompressed tar: name → bytes (files) or null (directories). */
function untar(data: Buffer): Map<string, Buffer | null> {
  const entries = new Map<string, Buffer | null>();
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on("data", (c: Buffer) => chunks.push(c));
      entry.on("end", () => entries.set(entry.path, entry.type === "Directory" ? null : Buffer.concat(chunks)));
    },
  });
  parser.end(data);
  return entries;
}

function blob(layout: string, digest: string): Buffer {
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  const data = readFileSync(join(layout, "blobs", "sha256", digest.slice(7)));
  assert.equal(`sha256:${sha(data)}`, digest, `blob ${digest} does not hash to its name`);
  return data;
}

test("the layout is an OCI image whose single tar+gzip layer holds plugin.wasm, identical to the built module", () => {
  const layout = join(out, "gatewarden");
  assert.deepEqual(JSON.parse(readFileSync(join(layout, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  assert.equal(index.schemaVersion, 2);
  assert.equal(index.manifests.length, 1);
  const desc = index.manifests[0];
  assert.equal(desc.mediaType, "application/vnd.oci.image.manifest.v1+json");
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  assert.equal(desc.annotations["org.opencontainers.image.ref.name"], version);

  const manifestBytes = blob(layout, desc.digest);
  assert.equal(manifestBytes.length, desc.size);
  const manifest = JSON.parse(manifestBytes.toString());
  assert.equal(manifest.schemaVersion, 2);
  assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
  assert.equal(manifest.config.mediaType, "application/vnd.oci.image.config.v1+json");
  assert.equal(manifest.layers.length, 1, "Istio's compat image format has exactly one layer");
  const layerDesc = manifest.layers[0];
  assert.equal(layerDesc.mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");

  const layer = blob(layout, layerDesc.digest);
  assert.equal(layer.length, layerDesc.size);
  const layerTar = gunzipSync(layer);
  const files = untar(layerTar);
  assert.deepEqual([...files.keys()], ["plugin.wasm"]);
  const module = readFileSync(WASM_PATH);
  assert.ok(files.get("plugin.wasm")!.equals(module), "plugin.wasm differs from build/gatewarden.wasm");

  const configBytes = blob(layout, manifest.config.digest);
  assert.equal(configBytes.length, manifest.config.size);
  const config = JSON.parse(configBytes.toString());
  assert.equal(config.rootfs.type, "layers");
  assert.deepEqual(config.rootfs.diff_ids, [`sha256:${sha(layerTar)}`], "diff_id is the digest of the uncompressed layer");
  assert.equal(typeof config.architecture, "string");
  assert.equal(typeof config.os, "string");
  assert.equal(manifest.annotations["io.gatewarden.module.sha256"], sha(module));

  // Nothing else in blobs/.
  assert.deepEqual(
    readdirSync(join(layout, "blobs", "sha256")).sort(),
    [desc.digest, manifest.config.digest, layerDesc.digest].map((d: string) => d.slice(7)).sort(),
  );
  // What it prints: the manifest digest and the module's sha256.
  assert.match(stdout, new RegExp(`manifest digest:\\s+${desc.digest}`));
  assert.match(stdout, new RegExp(`module sha256:\\s+${sha(module)}`));
});

test("the tarball is the same layout (an oci-archive), and packaging is reproducible", () => {
  const layout = join(out, "gatewarden");
  const entries = untar(readFileSync(join(out, "gatewarden.tar")));
  const names = [...entries.keys()].map((n) => n.replace(/\/$/, ""));
  assert.deepEqual(names.slice(0, 2), ["oci-layout", "index.json"]);
  for (const [name, data] of entries) {
    if (data === null) assert.ok(statSync(join(layout, name)).isDirectory());
    else assert.ok(readFileSync(join(layout, name)).equals(data), `${name} differs between the tarball and the layout`);
  }
  assert.equal(names.filter((n) => n.startsWith("blobs/sha256/")).length, 3);

  const again = mkdtempSync(join(tmpdir(), "gatewarden-oci-test-"));
  try {
    pack(again);
    assert.ok(readFileSync(join(again, "gatewarden.tar")).equals(readFileSync(join(out, "gatewarden.tar"))), "two packagings differ");
  } finally {
    rmSync(again, { recursive: true, force: true });
  }
});
