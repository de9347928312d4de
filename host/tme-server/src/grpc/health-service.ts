// The standard grpc.health.v1.Health service. The empty service name stands
// for the whole server (the gRPC health-checking convention), which is what
// Kubernetes gRPC probes and grpc_health_probe ask for by default.
import { HealthImplementation } from 'grpc-health-check';
import type { GrpcService } from './server.ts';

export function healthService(): GrpcService {
  const health = new HealthImplementation({ '': 'SERVING' });
  return {
    register: (server) => health.addToServer(server),
    stopping: () => health.setStatus('', 'NOT_SERVING'),
  };
}
