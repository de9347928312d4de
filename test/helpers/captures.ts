// Sending tagged requests and reading what a TME captured of them, for every test stack.
import { randomUUID } from "node:crypto";
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

/** What every test stack offers about its TME. */
export class TmeStack {
  tme: TmeProcess | undefined;

  private get tmeUrl(): string {
    if (!this.tme) throw new Error("no TME running");
    return this.tme.url;
  }

  captures(limit = 1000): Promise<Capture[]> {
    return capturesAt(this.tmeUrl, limit);
  }

  /** The capture of the request tagged `testId`, waiting for it to arrive. */
  captureOf(testId: string, timeoutMs = 10_000): Promise<Capture> {
    return captureOfAt(this.tmeUrl, testId, timeoutMs);
  }

  /** The TME's Prometheus metric `name` (labels dropped, values summed). */
  async tmeMetric(name: string): Promise<number> {
    return (await fetchPrometheus(`${this.tmeUrl}/metrics`)).get(name) ?? 0;
  }
}

export async function capturesAt(tmeUrl: string, limit = 1000): Promise<Capture[]> {
  const res = await fetch(`${tmeUrl}/v1/captures?limit=${limit}`);
  if (res.status !== 200) throw new Error(`/v1/captures answered ${res.status}`);
  return ((await res.json()) as { captures: Capture[] }).captures;
}

/** The capture of the request tagged with header x-test-id `testId`, waiting for it to arrive. */
export function captureOfAt(tmeUrl: string, testId: string, timeoutMs = 10_000): Promise<Capture> {
  return waitFor(`the capture of request ${testId}`, async () =>
    (await capturesAt(tmeUrl)).find((c) => (c.attributes["http.request.header.x-test-id"] as string[] | undefined)?.[0] === testId),
  timeoutMs);
}
