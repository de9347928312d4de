// The verdict the TME gives when a filter asks synchronously: the deny list first, then the detection
// engine (when loaded), else allow.
import type { CaptureRecord } from '../ingest/record-schema.ts';
import type { DenyList } from './deny-list.ts';

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
