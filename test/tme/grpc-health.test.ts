import assert from 'node:assert/strict';
import { credentials, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthServiceDefinition } from 'grpc-health-check';
import { test } from 'node:test';
import { startTestTme } from './helpers/tme.ts';

type HealthClient = Client & {
  check(request: { service: string }, callback: (error: ServiceError | null, response?: { status: string }) => void): void;
};

function check(client: HealthClient, service: string): Promise<{ status: string }> {
  return new Promise((resolve, reject) => client.check({ service }, (error, response) => (error ? reject(error) : resolve(response!))));
}

test('the gRPC port answers grpc.health.v1.Health/Check with SERVING', async () => {
  const tme = await startTestTme();
  const HealthClient = makeGenericClientConstructor(healthServiceDefinition, 'Health');
  const client = new HealthClient(`127.0.0.1:${tme.grpcPort}`, credentials.createInsecure()) as unknown as HealthClient;
  try {
    assert.deepEqual(await check(client, ''), { status: 'SERVING' });
    await assert.rejects(check(client, 'no.such.Service'), (error: ServiceError) => error.code === 5);
  } finally {
    client.close();
    await tme.stop();
  }
});
