// Starts the HTTP server and stops it cleanly: no new connections, idle
// keep-alive connections closed, in-flight requests allowed to finish. At most
// `maxConnections` connections are open at once; Node closes any beyond.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

export function startHttpServer(host: string, port: number, maxConnections: number, listener: RequestListener): Promise<RunningHttpServer> {
  const server = createServer(listener);
  server.maxConnections = maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
