// A stand-in OTLP/HTTP collector: accepts POST /v1/traces, keeps each decoded
// JSON request, and answers with a status the test chooses.
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

export interface OtlpReceiver {
  url: string;
  exports: OtlpExport[];
  status: number;
  spans(): OtlpSpan[];
  waitForSpans(count: number, timeoutMs?: number): Promise<OtlpSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(status = 200): Promise<OtlpReceiver> {
  const exports: OtlpExport[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && receiver.status === 200) {
        exports.push({ contentType: req.headers['content-type'], ...JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      }
      res.writeHead(receiver.status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
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
