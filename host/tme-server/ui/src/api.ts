// The TME endpoints the dashboard reads. Same origin; the session cookie authorizes them.
import type { SamplingView } from '../../src/dashboard/sampling-view.ts';

export type { SamplingView };
export interface EndpointRow {
  id: string;
  host: string;
  method: string;
  template: string;
  overflow: boolean;
  count: number;
  lastSeen: string;
  sensitive: string[];
  blocked: Record<string, number>;
  clients: number;
  latencyMs: { p50?: number; p99?: number };
  shadow: boolean;
  drift: Record<string, number>;
}

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  'x-gatewarden-sensitive'?: string[];
}

export interface EndpointDetail extends EndpointRow {
  query: JsonSchema;
  headers: JsonSchema;
  pathParameters: JsonSchema;
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

export interface Capture {
  id: string;
  received_at: string;
  attributes: Record<string, unknown>;
}

async function get<T>(path: string): Promise<T | undefined> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export const api = {
  endpoints: () => get<{ endpoints: EndpointRow[]; stats: Record<string, number> }>('/v1/apis'),
  endpoint: (id: string) => get<EndpointDetail>(`/v1/apis/${encodeURIComponent(id)}`),
  captures: () => get<{ captures: Capture[] }>('/v1/captures?limit=200'),
  policy: () => get<unknown>('/v1/policy'),
  sampling: () => get<SamplingView>('/v1/sampling'),
};
