// One record framed and indexed by the TME's scanner (the untrusted path), as a batch of one: what the
// tests compare other readers of a record with.
import { frameBatch, RECORD_FRAMING, type RecordFrame } from '../../../host/tme-server/src/ingest/batch-framing.ts';

export function frameRecord(record: Buffer): RecordFrame {
  return frameBatch(Buffer.concat([Buffer.from('{"records":['), record, Buffer.from(']}')]), { ...RECORD_FRAMING, maxRecords: 1 })[0]!;
}
