// Records that arrive unredacted (from filters too old to redact, or sent without the marker) are
// redacted by the engine: the filter's own record encoder, so every producer's records are redacted by
// one implementation. A verdict is an open object in the record format: its other members pass through,
// only its snippet is taken from the engine (withheld when it shows a redacted value).
import type { DetectionEngine } from '../../../../filter/node/engine.ts';
import type { RecordRedactor } from './capture-pipeline.ts';
import type { CaptureRecord } from './record-schema.ts';

export function engineRedactor(engine: DetectionEngine): RecordRedactor {
  return (record) => {
    const redacted: CaptureRecord = engine.redactRecord(record);
    if (record.verdict !== undefined) {
      const snippet = redacted.verdict?.['snippet'];
      redacted.verdict = { ...record.verdict, ...(snippet !== undefined ? { snippet } : {}) };
    }
    return redacted;
  };
}
