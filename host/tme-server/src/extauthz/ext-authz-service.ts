// envoy.service.auth.v3.Authorization/Check on the TME's gRPC port: Envoy's ext_authz filter (and so
// Istio's AuthorizationPolicy with a CUSTOM extension provider) asks before letting a request through.
// The verdict is the filter's (same engine, same policy, same deny list and rate limits); a block is a
// denied_response with the blocking status and message and the request id. Nothing is captured here:
// ext_authz sees only the request, and only until the verdict.
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import type { RequestDecider } from '../decide/request-decider.ts';
import type { HeaderPairs } from '../exchange/exchange.ts';
import { envoyServices } from '../grpc/envoy-protos.ts';
import type { GrpcService } from '../grpc/server.ts';

export interface ExtAuthzDependencies {
  decider: RequestDecider;
  bodyCaptureSize: number;
  registry: Registry;
}

/** The parts of a CheckRequest we read (proto-loader JSON: keepCase, bytes as Buffer, int64 as string). */
interface CheckRequest {
  attributes?: {
    source?: { address?: { socket_address?: { address?: string } } };
    request?: {
      http?: {
        id?: string;
        method?: string;
        headers?: Record<string, string>;
        path?: string;
        host?: string;
        scheme?: string;
        body?: string;
        raw_body?: Buffer;
      };
    };
  };
}

const PERMISSION_DENIED = 7;
const PSEUDO = [':authority', ':path', ':method', ':scheme'];

/** The request's headers as the filter sees them: pseudo-headers first, then the rest as Envoy sent them. */
export function checkHeaders(http: NonNullable<NonNullable<CheckRequest['attributes']>['request']>['http']): HeaderPairs {
  const map = http?.headers ?? {};
  const fallback: Record<string, string> = {
    ':authority': http?.host ?? '',
    ':path': http?.path ?? '',
    ':method': http?.method ?? '',
    ':scheme': http?.scheme ?? '',
  };
  const pairs: HeaderPairs = PSEUDO.map((name) => [name, map[name] ?? fallback[name] ?? '']);
  for (const [name, value] of Object.entries(map)) if (!name.startsWith(':')) pairs.push([name, value]);
  return pairs;
}

export function extAuthzService(deps: ExtAuthzDependencies): GrpcService {
  const checks = new Counter({
    name: 'tme_extauthz_checks_total',
    help: 'ext_authz checks answered, by result (allowed, denied).',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  checks.inc({ result: 'allowed' }, 0);
  checks.inc({ result: 'denied' }, 0);

  const check = (call: ServerUnaryCall<CheckRequest, unknown>, callback: sendUnaryData<unknown>): void => {
    try {
      const http = call.request.attributes?.request?.http;
      const headers = checkHeaders(http);
      // Inspected whatever its content type, as the filter does, up to the capture size.
      let body: Buffer | undefined;
      if (deps.bodyCaptureSize > 0) {
        const raw = http?.raw_body !== undefined && http.raw_body.length > 0 ? http.raw_body : Buffer.from(http?.body ?? '', 'utf8');
        body = raw.subarray(0, deps.bodyCaptureSize);
      }
      const peer = call.request.attributes?.source?.address?.socket_address?.address ?? '';
      const d = deps.decider.all({ headers, body, peer });
      if (!d.reply) {
        checks.inc({ result: 'allowed' });
        callback(null, { status: { code: 0 }, ok_response: {} });
        return;
      }
      checks.inc({ result: 'denied' });
      const replyHeaders: HeaderPairs = [['content-type', 'text/plain; charset=utf-8']];
      // attributes.request.http.id is Envoy's stream id; the request id is the x-request-id header.
      const requestId = headers.find(([n]) => n === 'x-request-id')?.[1] ?? '';
      if (requestId !== '') replyHeaders.push(['x-request-id', requestId]);
      callback(null, {
        status: { code: PERMISSION_DENIED, message: `${d.verdict?.category ?? ''}:${d.verdict?.rule ?? ''}` },
        denied_response: {
          status: { code: d.reply.status },
          headers: replyHeaders.map(([key, value]) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
          body: d.reply.message,
        },
      });
    } catch (error) {
      console.error('tme: ext_authz: check failed:', error);
      callback(error instanceof Error ? error : new Error(String(error)));
    }
  };

  return { register: (server) => server.addService(envoyServices().authorization, { Check: check }) };
}
