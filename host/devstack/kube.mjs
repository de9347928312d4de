// The control plane of the real API-server test (test/deploy/kube-apiserver.test.ts): etcd from Debian's
// etcd-server, and kube-apiserver built with `go` from the Go module proxy (host/kube/go.mod pins
// k8s.io/kubernetes at a release tag) into .cache/bin. ETCD_BIN / KUBE_APISERVER_BIN skip them, and
// GATEWARDEN_SETUP_KUBE=0 skips both (.ci/run's second setup, for the e2e tests on another Envoy, must not
// retry a build that timed out in the first).
//
// Neither may abort `npm test`: a cold kube-apiserver build takes about an hour on two cores, and the
// module proxy or the compiler can fail. When either is missing, the reason goes into UNAVAILABLE_FILE and
// the test reports it as its skip reason; the file is removed as soon as both are there.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const moduleDir = join(root, "host", "kube");
// test/deploy/kube-cluster.ts reads the same two paths.
const BIN = join(root, ".cache", "bin", "kube-apiserver");
const UNAVAILABLE_FILE = join(root, ".cache", "setup", "kube-apiserver-unavailable");

// CI has 90 minutes for `npm test` and the e2e runs together: a build that is not done after 45 minutes
// is stopped (what it compiled stays in Go's build cache, so the next run goes on from there).
const BUILD_TIMEOUT_MS = Number(process.env.KUBE_APISERVER_BUILD_TIMEOUT_MIN || 45) * 60_000;

function kubernetesVersion() {
  return /^require k8s\.io\/kubernetes (v\S+)$/m.exec(readFileSync(join(moduleDir, "go.mod"), "utf8"))[1];
}

/** What `kube-apiserver --version` says ("Kubernetes v1.37.2"), "" when it does not run. */
function binaryVersion(bin) {
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim();
  } catch {
    return "";
  }
}

function ensureEtcd() {
  if (process.env.ETCD_BIN) {
    if (!existsSync(process.env.ETCD_BIN)) throw new Error(`ETCD_BIN=${process.env.ETCD_BIN} does not exist`);
    return;
  }
  const found = () => {
    try {
      execFileSync("etcd", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (found()) return;
  if (process.getuid?.() !== 0) throw new Error("etcd not found: `sudo apt-get install -y etcd-server` (or set ETCD_BIN)");
  console.error("setup: installing etcd-server with apt-get for the kube-apiserver test");
  const apt = (args) =>
    execFileSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", "etcd-server"]);
  if (!found()) throw new Error("etcd not found after `apt-get install etcd-server`");
}

/** Runs `go build` in its own process group, so a timeout stops the compilers it started too. */
function goBuild(args, env) {
  return new Promise((resolveBuild) => {
    let stderr = "";
    const child = spawn("nice", ["-n", "10", "go", ...args], { cwd: moduleDir, env, detached: true, stdio: ["ignore", "inherit", "pipe"] });
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, "SIGKILL");
    }, BUILD_TIMEOUT_MS);
    // Its own group does not get the terminal's Ctrl-C: pass it on rather than leave the build running.
    const interrupted = (signal) => {
      process.kill(-child.pid, "SIGKILL");
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    const done = (result) => {
      clearTimeout(timer);
      process.off("SIGINT", interrupted);
      process.off("SIGTERM", interrupted);
      resolveBuild(result);
    };
    child.on("error", (error) => done({ code: -1, stderr: error.message, timedOut }));
    child.on("close", (code, signal) => done({ code: code ?? signal, stderr, timedOut }));
  });
}

function goAvailable() {
  try {
    return execFileSync("go", ["version"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

/** Builds kube-apiserver; returns why it could not, or "" when it is built. */
async function buildKubeApiserver(version) {
  const go = goAvailable();
  if (!go) return `go is not on the PATH: kube-apiserver ${version} cannot be built`;
  const [major, minor] = /^v(\d+)\.(\d+)\./.exec(version).slice(1);
  // Without the stamp the binary says v0.0.0-master, and Helm refuses the chart's kubeVersion (>=1.25).
  const stamp = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]
    .flatMap((pkg) => [`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`])
    .join(" ");
  const tmp = `${BIN}.building`;
  mkdirSync(dirname(tmp), { recursive: true });
  const started = Date.now();
  const elapsed = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return `${Math.floor(s / 60)} min ${s % 60} s`;
  };
  console.error(
    `setup: building kube-apiserver ${version} (${go}, 2 jobs) into .cache/bin: a few minutes with Go's caches warm, about an hour cold; stopped after ${BUILD_TIMEOUT_MS / 60_000} min`,
  );
  const progress = setInterval(() => console.error(`setup: still building kube-apiserver ${version} (${elapsed()} so far)`), 5 * 60_000);
  const result = await goBuild(["build", "-p", "2", "-ldflags", stamp, "-o", tmp, "k8s.io/kubernetes/cmd/kube-apiserver"], {
    ...process.env,
    GOFLAGS: "-mod=mod",
    CGO_ENABLED: "0",
    GOTOOLCHAIN: "local",
  });
  clearInterval(progress);
  if (result.code !== 0) rmSync(tmp, { force: true });
  if (result.timedOut)
    return `building kube-apiserver ${version} did not finish within ${BUILD_TIMEOUT_MS / 60_000} min (KUBE_APISERVER_BUILD_TIMEOUT_MIN); the next setup goes on from Go's build cache`;
  if (result.code !== 0) {
    const tail = result.stderr.trim().split("\n").slice(-6).join(" | ").slice(-1_000);
    return `building kube-apiserver ${version} failed after ${elapsed()} (go build exit ${result.code}): ${tail}`;
  }
  const built = binaryVersion(tmp);
  if (built !== `Kubernetes ${version}`) {
    rmSync(tmp, { force: true });
    return `the kube-apiserver built says "${built}", not "Kubernetes ${version}"`;
  }
  renameSync(tmp, BIN);
  console.error(`setup: kube-apiserver ${version} built in ${elapsed()}`);
  return "";
}

async function ensureKubeApiserver() {
  if (process.env.KUBE_APISERVER_BIN) {
    if (!existsSync(process.env.KUBE_APISERVER_BIN)) throw new Error(`KUBE_APISERVER_BIN=${process.env.KUBE_APISERVER_BIN} does not exist`);
    return;
  }
  const version = kubernetesVersion();
  if (binaryVersion(BIN) === `Kubernetes ${version}`) return;
  // A binary of another version (or an unstamped one) is never what the test should run.
  rmSync(BIN, { force: true });
  const reason = await buildKubeApiserver(version);
  if (reason) throw new Error(reason);
}

/** Installs etcd and builds kube-apiserver; records why when it cannot, instead of throwing. */
export async function ensureKube() {
  if (process.env.GATEWARDEN_SETUP_KUBE === "0") return;
  try {
    ensureEtcd();
    await ensureKubeApiserver();
    rmSync(UNAVAILABLE_FILE, { force: true });
  } catch (error) {
    const reason = error.message.replace(/\s+/g, " ").trim();
    mkdirSync(dirname(UNAVAILABLE_FILE), { recursive: true });
    writeFileSync(UNAVAILABLE_FILE, `${reason}\n`);
    console.error(`setup: the kube-apiserver test will be skipped: ${reason}`);
  }
}
