// Reading what a TME captured, for every test stack.
import { waitFor } from "./wait.ts";

export type Attributes = Record<string, unknown>;
export interface Capture {
  id: string;
  source: string;
  attributes: Attributes;
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
