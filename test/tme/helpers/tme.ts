// Starts a TME for a test, in-process on ephemeral ports with its own spool
// directory, or as a child process; both always stop and clean up.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTme, type RunningTme } from '../../../host/tme-server/src/app.ts';
import { loadConfig } from '../../../host/tme-server/src/config.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const MAIN_TS = join(REPO_ROOT, 'host/tme-server/src/main.ts');

export interface TestTme {
  url: string;
  grpcPort: number;
  spoolDir: string;
  tme: RunningTme;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string): Promise<Response>;
  spoolLines(): Promise<Record<string, unknown>[]>;
  metric(name: string, labels?: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startTestTme(env: Record<string, string> = {}): Promise<TestTme> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'tme-test-'));
  const config = loadConfig({ TME_HTTP_PORT: '0', TME_GRPC_PORT: '0', TME_SPOOL_DIR: spoolDir, ...env });
  const tme = await startTme(config);
  const url = `http://127.0.0.1:${tme.httpPort}`;
  let stopped = false;
  const testTme: TestTme = {
    url,
    grpcPort: tme.grpcPort,
    spoolDir,
    tme,
    post: (path, body, headers = {}) =>
      fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path) => fetch(url + path),
    async spoolLines() {
      const names = (await readdir(spoolDir)).filter((name) => name.endsWith('.jsonl')).sort();
      const texts = await Promise.all(names.map((name) => readFile(join(spoolDir, name), 'utf8')));
      return texts
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async metric(name, labels = '') {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
      if (line === undefined) throw new Error(`metric ${name}${labels} not found`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await tme.stop();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
  return testTme;
}

export interface ChildTme {
  child: ChildProcess;
  /** The startup line, or undefined when the process exited first. */
  listening: string | undefined;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * Runs a TME entry point (source via tsx, or a bundle) until it prints its startup line or exits.
 * `command` runs it some other way, e.g. bash with limits that then execs node.
 */
export async function spawnTme(
  env: Record<string, string>,
  args: string[] = [],
  entry: string[] = ['--import', 'tsx', MAIN_TS],
  command = process.execPath,
): Promise<ChildTme> {
  const child = spawn(command, [...entry, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = await Promise.race([
    new Promise<string>((done) => {
      const check = (): void => {
        const line = out.split('\n').find((candidate) => candidate.startsWith('tme listening '));
        if (line !== undefined) done(line);
        else child.stdout.once('data', check);
      };
      check();
    }),
    exited.then(() => undefined),
  ]);
  return {
    child,
    listening,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
