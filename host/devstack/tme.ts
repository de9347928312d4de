// Runs the TME bundle as a child process and waits for its "tme listening" line.
import { spawn, type ChildProcess } from "node:child_process";
import { TME_BUNDLE } from "./paths.ts";

export interface TmeProcess {
  httpPort: number;
  grpcPort: number;
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface TmeOptions {
  httpPort?: number;
  grpcPort?: number;
  env?: Record<string, string>;
  inheritOutput?: boolean;
}

export async function startTmeProcess(opts: TmeOptions = {}): Promise<TmeProcess> {
  // Extra Node flags for profiling the TME in place, e.g. GATEWARDEN_TME_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p".
  const nodeArgs = (process.env.GATEWARDEN_TME_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--enable-source-maps", TME_BUNDLE], {
    env: {
      ...process.env,
      TME_HTTP_PORT: String(opts.httpPort ?? 0),
      TME_GRPC_PORT: String(opts.grpcPort ?? 0),
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const listening = new Promise<{ http: number; grpc: number }>((resolveListening, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (opts.inheritOutput) process.stderr.write(chunk);
      const m = /tme listening http=\S+:(\d+) grpc=\S+:(\d+)/.exec(out);
      if (m) resolveListening({ http: Number(m[1]), grpc: Number(m[2]) });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`tme exited with ${code} before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`tme did not listen within 15s:\n${out}`)), 15_000).unref();
  });
  const ports = await listening;
  return {
    httpPort: ports.http,
    grpcPort: ports.grpc,
    url: `http://127.0.0.1:${ports.http}`,
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
