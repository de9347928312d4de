// The gRPC server. Services (health, ext_proc, ext_authz) are plugged in as a list by app.ts.
import { Server, ServerCredentials } from '@grpc/grpc-js';

export interface GrpcService {
  /** Adds the service's handlers to the server. */
  register(server: Server): void;
  /** Called before the server stops, e.g. to report NOT_SERVING. */
  stopping?(): void;
}

export interface RunningGrpcServer {
  port: number;
  close(): Promise<void>;
}

// In-flight calls get this long to finish before they are cancelled.
const SHUTDOWN_GRACE_MS = 5000;

// Envoy's ext_proc sends a BUFFERED body as one message, as large as Envoy's buffer limit allows
// (gRPC's default cap is 4 MiB).
const MAX_RECEIVE_MESSAGE_BYTES = 128 * 1024 * 1024;

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function startGrpcServer(host: string, port: number, services: readonly GrpcService[]): Promise<RunningGrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES });
  for (const service of services) service.register(server);
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(host, port), ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) {
        reject(error);
        return;
      }
      resolve({
        port: boundPort,
        close: () =>
          new Promise<void>((done) => {
            for (const service of services) service.stopping?.();
            const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
            server.tryShutdown(() => {
              clearTimeout(force);
              done();
            });
          }),
      });
    });
  });
}
