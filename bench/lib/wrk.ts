// The load generator: wrk (Debian's package), driven by a generated Lua script that sets the request and
// prints wrk's summary as one JSON line, so nothing is parsed from its human-readable report.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function onPath(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function aptInstall(pkg: string): void {
  const install = () =>
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  try {
    install();
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    execFileSync("apt-get", ["update"], { stdio: ["ignore", "ignore", "inherit"] });
    install();
  }
}

/** Installs a Debian package when `probe` says it is missing (the machines run as root). */
export function ensureDebianPackage(pkg: string, probe: () => boolean, log: (s: string) => void): void {
  if (probe()) return;
  log(`installing ${pkg} with apt-get`);
  aptInstall(pkg);
  if (!probe()) throw new Error(`${pkg}: still missing after apt-get install`);
}

export function ensureWrk(log: (s: string) => void): string {
  ensureDebianPackage("wrk", () => onPath("wrk"), log);
  return execFileSync("sh", ["-c", "wrk --version 2>&1 | head -1"], { encoding: "utf8" })
    .trim()
    .replace(/ Copyright.*/, "");
}

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  /** Body file, read once by the Lua script. */
  bodyFile?: string;
}

export interface WrkResult {
  requests: number;
  durationUs: number;
  rps: number;
  /** Latency percentiles in microseconds (wrk's histogram). */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
  /** CPU time wrk used (user + system), in microseconds. */
  cpuUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

function luaString(s: string): string {
  return JSON.stringify(s); // a JSON string literal is a valid Lua string for these ASCII values
}

/** Writes the Lua script for one request shape and returns its path. */
export function writeWrkScript(dir: string, name: string, spec: RequestSpec): string {
  mkdirSync(dir, { recursive: true });
  const lines = [
    `wrk.method = ${luaString(spec.method)}`,
    `wrk.path = ${luaString(spec.path)}`,
    ...Object.entries(spec.headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`),
  ];
  if (spec.bodyFile) {
    lines.push(`local f = assert(io.open(${luaString(spec.bodyFile)}, "rb"))`, 'wrk.body = f:read("*a")', "f:close()");
  }
  lines.push(
    "done = function(summary, latency, requests)",
    "  local e = summary.errors",
    '  io.write(string.format(\'BENCH_JSON {"requests":%d,"durationUs":%d,"p50":%.1f,"p90":%.1f,"p99":%.1f,"p999":%.1f,"mean":%.1f,"max":%.1f,\' ..',
    '    \'"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n\',',
    "    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),",
    "    latency:percentile(99.9), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))",
    "end",
  );
  const file = join(dir, `${name}.lua`);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

export interface WrkRun {
  pid: number;
  result: Promise<WrkResult>;
}

/** Starts wrk (1 thread) against `url` with `connections` keep-alive connections for `seconds`. */
export function startWrk(opts: {
  url: string;
  script: string;
  connections: number;
  seconds: number;
  threads?: number;
  wrapper?: string[];
}): WrkRun {
  const wrkArgs = [
    "-t",
    String(opts.threads ?? 1),
    "-c",
    String(opts.connections),
    "-d",
    `${opts.seconds}s`,
    "--timeout",
    "5s",
    "-s",
    opts.script,
    opts.url,
  ];
  // Through sh, whose `times` reports the CPU time wrk used (user and system), for the bottleneck analysis.
  const child = spawn("sh", ["-c", '"$@"; s=$?; times >&2; exit $s', "sh", ...(opts.wrapper ?? []), "wrk", ...wrkArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const result = new Promise<WrkResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = /^BENCH_JSON (.*)$/m.exec(out)?.[1];
      if (code !== 0 || !line) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      const r = JSON.parse(line) as Omit<WrkResult, "rps" | "cpuUs">;
      const times = [...out.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)].at(-1);
      const cpuUs = times ? (Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])) * 1e6 : NaN;
      resolve({ ...r, rps: r.durationUs > 0 ? (r.requests * 1e6) / r.durationUs : 0, cpuUs });
    });
  });
  return { pid: child.pid!, result };
}
