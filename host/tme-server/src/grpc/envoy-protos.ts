// Envoy's own protos for the services Envoy calls: ext_proc (ExternalProcessor) and ext_authz
// (Authorization). They come from @grpc/grpc-js-xds (deps/envoy-api, xds, googleapis,
// protoc-gen-validate); the bundle carries the few files they import in tme-server-protos/envoy
// (host/tme-server/build.mjs copies them), so it runs without node_modules.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const EXT_PROC_PROTO = 'envoy/service/ext_proc/v3/external_processor.proto';
export const EXT_AUTHZ_PROTO = 'envoy/service/auth/v3/external_auth.proto';

/** Where the proto tree lives: beside the bundle, else in node_modules. */
export function envoyProtoDirs(): string[] {
  const bundled = join(dirname(fileURLToPath(import.meta.url)), 'tme-server-protos', 'envoy');
  if (existsSync(join(bundled, EXT_PROC_PROTO))) return [bundled];
  const deps = join(dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d));
}

export interface EnvoyServices {
  extProc: ServiceDefinition;
  authorization: ServiceDefinition;
}

let loaded: EnvoyServices | undefined;

/**
 * Field names as in the protos (snake_case), bytes as Buffers, enums as their names, 64-bit integers as
 * strings, oneofs named by their set field, unset fields absent.
 */
export function envoyServices(): EnvoyServices {
  if (loaded) return loaded;
  const definition = loadSync([EXT_PROC_PROTO, EXT_AUTHZ_PROTO], {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
    includeDirs: envoyProtoDirs(),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const root = loadPackageDefinition(definition) as any;
  loaded = {
    extProc: root.envoy.service.ext_proc.v3.ExternalProcessor.service as ServiceDefinition,
    authorization: root.envoy.service.auth.v3.Authorization.service as ServiceDefinition,
  };
  return loaded;
}
