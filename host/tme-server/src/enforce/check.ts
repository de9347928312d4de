// The verdict the TME gives when a filter asks synchronously: the deny list first, then the detection
// engine (when loaded), else allow.
import type { CaptureRecord } from '../ingest/record-schema.ts';
import type { DenyList } from './deny-list.ts';
import type { DetectRequest } from '../../../../filter/node/engine.ts';

export interface CheckVerdict {
  action: 'allow' | 'monitor' | 'block';
  rule?: string;
  category?: string;
  location?: string;
  snippet?: string;
}

export type RequestChecker = (record: CaptureRecord) => CheckVerdict;
export type RecordInspector = (record: CaptureRecord) => CheckVerdict | undefined;

export function requestChecker(denyList: DenyList, inspect: RecordInspector | undefined): RequestChecker {
  return (record) => {
    if (denyList.has('ip', record.client.address)) return { action: 'block', rule: 'denylist', category: 'denylist' };
    const key = record.request.headers.find(([name]) => name === denyList.keyHeader)?.[1];
    if (key !== undefined && denyList.has('key', key)) return { action: 'block', rule: 'denylist', category: 'denylist' };
    return inspect?.(record) ?? { action: 'allow' };
  };
}

/** Findings that note an irregularity and never block on their own (the engine's Finding.monitorOnly). */
const MONITOR_ONLY_RULES = new Set(['protocol.content-type-mismatch']);

/**
 * Runs the detection engine over a record's request, as the filter does, with the served policy's
 * settings; `counted` sees every detection verdict.
 */
export function recordInspector(
  engine: { inspect(req: DetectRequest): { category: string; rule: string; location: string; snippet: string } | null },
  detectionAction: () => 'monitor' | 'block' | undefined,
  counted: (v: CheckVerdict) => void = () => {},
): RecordInspector {
  return (record) => {
    const action = detectionAction();
    if (action === undefined) return undefined;
    const { request } = record;
    const contentType = request.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
    const body =
      request.body === undefined ? undefined : Buffer.from(request.body.data, request.body.encoding === 'base64' ? 'base64' : 'utf8');
    const found = engine.inspect({
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      contentType,
      body,
    });
    if (found === null) return undefined;
    const v: CheckVerdict = { ...found, action: MONITOR_ONLY_RULES.has(found.rule) ? 'monitor' : action };
    counted(v);
    return v;
  };
}
