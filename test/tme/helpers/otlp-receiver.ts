// A stand-in OTLP/HTTP collector: accepts POST /v1/traces and /v1/logs, keeps each
// decoded JSON request, and answers with a status the test chooses.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSpan {
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status?: { code?: number };
  attributes: { key: string; value: Record<string, unknown> }[];
}

export interface OtlpExport {
  contentType: string | undefined;
  resourceSpans: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

export interface OtlpLogRecord {
  eventName?: string;
  timeUnixNano: string;
  severityNumber?: number;
  severityText?: string;
  body?: { stringValue?: string };
  attributes: { key: string; value: Record<string, unknown> }[];
}

export interface OtlpLogExport {
  resourceLogs: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeLogs: { scope?: { name?: string }; logRecords: OtlpLogRecord[] }[];
  }[];
}

export interface OtlpReceiver {
  url: string;
  exports: OtlpExport[];
  logExports: OtlpLogExport[];
  /** The raw bodies of every logs request, to check what never leaves the TME. */
  logBodies: string[];
  status: number;
  spans(): OtlpSpan[];
  waitForSpans(count: number, timeoutMs?: number): Promise<OtlpSpan[]>;
  logRecords(): OtlpLogRecord[];
  waitForLogs(accept: (records: OtlpLogRecord[]) => boolean, what: string, timeoutMs?: number): Promise<OtlpLogRecord[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(status = 200): Promise<OtlpReceiver> {
  const exports: OtlpExport[] = [];
  const logExports: OtlpLogExport[] = [];
  const logBodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && receiver.status === 200) {
        exports.push({ contentType: req.headers['content-type'], ...JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      }
      if (req.method === 'POST' && req.url === '/v1/logs' && receiver.status === 200) {
        const text = Buffer.concat(chunks).toString('utf8');
        logBodies.push(text);
        logExports.push(JSON.parse(text) as OtlpLogExport);
      }
      res.writeHead(receiver.status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    logExports,
    logBodies,
    status,
    spans: () => exports.flatMap((e) => e.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))),
    async waitForSpans(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.spans().length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} spans, got ${receiver.spans().length}`);
        await new Promise((done) => setTimeout(done, 20));
      }
      return receiver.spans();
    },
    logRecords: () => logExports.flatMap((e) => e.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))),
    async waitForLogs(accept, what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!accept(receiver.logRecords())) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(receiver.logRecords().map((r) => r.eventName))}`);
        await new Promise((done) => setTimeout(done, 20));
      }
      return receiver.logRecords();
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
  return receiver;
}

/** Flattens OTLP JSON attributes ({key, value: {stringValue|intValue|...}}) to plain values. */
export function plainAttributes(attributes: { key: string; value: Record<string, unknown> }[]): Record<string, unknown> {
  const plain = (value: Record<string, unknown>): unknown => {
    if ('arrayValue' in value) return ((value.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(plain);
    if ('intValue' in value) return Number(value.intValue);
    return Object.values(value)[0];
  };
  return Object.fromEntries(attributes.map(({ key, value }) => [key, plain(value)]));
}
