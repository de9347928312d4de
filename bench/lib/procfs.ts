// What the benchmark reads from /proc: a process's CPU time and memory, and the machine's CPU time, so
// each run can say how much CPU Envoy spent per request and which side of the test was saturated.
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { execFileSync } from "node:child_process";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on every Linux that matters, checked with getconf. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime and stime of a whole process (all its threads), in microseconds. */
export function processCpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: (Number(rest[11]) * 1e6) / CLK_TCK, system: (Number(rest[12]) * 1e6) / CLK_TCK };
}

/** utime + stime of a whole process (all its threads), in microseconds. */
export function processCpuMicros(pid: number): number {
  const { user, system } = processCpuTimes(pid);
  return user + system;
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** The machine's busy and total CPU time across all CPUs, in microseconds (from /proc/stat). */
export function machineCpuMicros(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  const total = busy + idle + iowait;
  return { busy: (busy * 1e6) / CLK_TCK, total: (total * 1e6) / CLK_TCK };
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryBytes: number;
  kernel: string;
  node: string;
  /** CPU frequency scaling governor, when the kernel exposes one (noise hint). */
  governor?: string;
}

export function machineInfo(): MachineInfo {
  let kernel = "";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    // not Linux
  }
  let governor: string | undefined;
  try {
    governor = readFileSync("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "utf8").trim();
  } catch {
    // no cpufreq in this VM/container
  }
  return { cpuModel: cpus()[0]?.model ?? "unknown", cpus: cpus().length, memoryBytes: totalmem(), kernel, node: process.version, governor };
}
