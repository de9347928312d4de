// Sending tagged requests and reading what a TME captured of them, for every test stack.
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TmeProcess } from "../../host/devstack/tme.ts";
import { fetchPrometheus } from "../../host/devstack/prometheus.ts";
import { waitFor } from "./wait.ts";

export type Attributes = Record<string, unknown>;
export interface Capture {
  id: string;
  source: string;
  attributes: Attributes;
}

export interface Sent {
  testId: string;
  response: Response;
  body: Buffer;
}

/** A request through a gateway, tagged with a fresh x-test-id header to find its capture. */
export async function sendTagged(baseUrl: string, path: string, init: RequestInit = {}): Promise<Sent> {
  const testId = randomUUID();
  const headers = new Headers(init.headers);
  headers.set("x-test-id", testId);
  const response = await fetch(baseUrl + path, { ...init, headers });
  const body = Buffer.from(await response.arrayBuffer());
  return { testId, response, body };
}

/** The tokens every test stack sets on both sides (TME and filter), as a deployment would. */
export const STACK_AGENT_TOKEN = "test-agent-token-0123456789";
export const STACK_ADMIN_TOKEN = "test-admin-token-0123456789";

/** TME environment with the stack's tokens, unless the test gives its own. */
export function withStackTokens(env: Record<string, string> = {}): Record<string, string> {
  return { TME_AGENT_TOKEN: STACK_AGENT_TOKEN, TME_ADMIN_TOKEN: STACK_ADMIN_TOKEN, ...env };
}

/** What every test stack offers about its TME. */
/** A record as the TME spooled it (docs/record-format.md), with the producer it came from. */
export interface SpooledRecord {
  source: string;
  record: Record<string, any>;
}

export class TmeStack {
  tme: TmeProcess | undefined;
  /** The TME's spool directory (tests read the raw records). */
  spoolDir = "";
  /** Sent on every read of the TME: the admin bearer token and the agent token, as the stack set them. */
  tmeHeaders: Record<string, string> = {};

  protected useTokens(env: Record<string, string>): void {
    this.tmeHeaders = {};
    if (env.TME_ADMIN_TOKEN) this.tmeHeaders.authorization = `Bearer ${env.TME_ADMIN_TOKEN}`;
    if (env.TME_AGENT_TOKEN) this.tmeHeaders[env.TME_AGENT_TOKEN_HEADER ?? "x-gatewarden-agent-token"] = env.TME_AGENT_TOKEN;
  }

  /** A GET of the TME with the stack's credentials. */
  tmeGet(path: string): Promise<Response> {
    return fetch(this.tmeUrl + path, { headers: this.tmeHeaders });
  }

  private get tmeUrl(): string {
    if (!this.tme) throw new Error("no TME running");
    return this.tme.url;
  }

  /** Every record the TME spooled, in the order written. */
  spooledRecords(): SpooledRecord[] {
    const files = readdirSync(this.spoolDir)
      .filter((name) => name.endsWith(".jsonl"))
      .sort();
    return files.flatMap((name) =>
      readFileSync(join(this.spoolDir, name), "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const { source, record } = JSON.parse(line) as SpooledRecord;
          return { source, record };
        }),
    );
  }

  captures(limit = 1000): Promise<Capture[]> {
    return capturesAt(this.tmeUrl, limit, this.tmeHeaders);
  }

  /** The capture of the request tagged `testId`, waiting for it to arrive. */
  captureOf(testId: string, timeoutMs = 10_000): Promise<Capture> {
    return captureOfAt(this.tmeUrl, testId, timeoutMs, this.tmeHeaders);
  }

  /** The TME's Prometheus metric `name` (labels dropped, values summed). */
  async tmeMetric(name: string): Promise<number> {
    return (await fetchPrometheus(`${this.tmeUrl}/metrics`)).get(name) ?? 0;
  }
}

export async function capturesAt(tmeUrl: string, limit = 1000, headers: Record<string, string> = {}): Promise<Capture[]> {
  const res = await fetch(`${tmeUrl}/v1/captures?limit=${limit}`, { headers });
  if (res.status !== 200) throw new Error(`/v1/captures answered ${res.status}`);
  return ((await res.json()) as { captures: Capture[] }).captures;
}

/** The capture of the request tagged with header x-test-id `testId`, waiting for it to arrive. */
export function captureOfAt(tmeUrl: string, testId: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<Capture> {
  return waitFor(
    `the capture of request ${testId}`,
    async () =>
      (await capturesAt(tmeUrl, 1000, headers)).find(
        (c) => (c.attributes["http.request.header.x-test-id"] as string[] | undefined)?.[0] === testId,
      ),
    timeoutMs,
  );
}
