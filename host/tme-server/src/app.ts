// Wires the TME together from its configuration, in one place: spool, ring,
// exporter, metrics, the ingest pipeline, and the HTTP and gRPC servers.
import type { TmeConfig } from './config.ts';
import { CaptureSpans } from './export/capture-spans.ts';
import { healthService } from './grpc/health-service.ts';
import { startGrpcServer } from './grpc/server.ts';
import { credentialCheck, presentsAgentToken } from './auth/credentials.ts';
import { adminRoutes } from './http/routes/admin-routes.ts';
import { enforceRoutes } from './http/routes/enforce-routes.ts';
import { AutoDeny } from './enforce/auto-deny.ts';
import { recordInspector, requestChecker } from './enforce/check.ts';
import { DenyList } from './enforce/deny-list.ts';
import { PolicyStore } from './enforce/policy-store.ts';
import { loadEngine } from './enforce/engine.ts';
import { RequestDecider } from './decide/request-decider.ts';
import { extAuthzService } from './extauthz/ext-authz-service.ts';
import { extProcService } from './extproc/ext-proc-service.ts';
import { captureRoutes } from './http/routes/capture-routes.ts';
import { ingestRoutes } from './http/routes/ingest-routes.ts';
import { InflightBodies } from './http/inflight-bodies.ts';
import { createRouter } from './http/router.ts';
import { startHttpServer } from './http/server.ts';
import { CapturePipeline, producedRecord, type EncodedRecord } from './ingest/capture-pipeline.ts';
import type { ExchangeParts } from '../../../filter/node/engine.ts';
import { engineRedactor } from './ingest/engine-redactor.ts';
import { startInventory } from './inventory/setup.ts';
import { startInventoryTelemetry } from './inventory/telemetry.ts';
import { dashboardRoutes } from './dashboard/dashboard-routes.ts';
import { samplingRoutes } from './dashboard/sampling-route.ts';
import { countDetection, createTmeMetrics } from './metrics/tme-metrics.ts';
import { StoreSampler } from './sampling/store-sampler.ts';
import { JsonlSpool } from './spool/jsonl-spool.ts';
import { CaptureRing } from './store/capture-ring.ts';

export interface RunningTme {
  httpPort: number;
  grpcPort: number;
  /** Stops accepting, flushes the exporter, closes the spool. */
  stop(): Promise<void>;
}

export async function startTme(config: TmeConfig): Promise<RunningTme> {
  const spool = await JsonlSpool.open(config.spool);
  const metrics = createTmeMetrics(() => spool.bytes());
  const ring = new CaptureRing(config.captureBuffer);
  const spans =
    config.otlpTracesUrl === undefined
      ? undefined
      : new CaptureSpans({
          url: config.otlpTracesUrl,
          environment: config.environment,
          scheduledDelayMillis: config.exportDelayMs,
          maxQueueBytes: config.exportQueueBytes,
          counts: {
            exported: (n) => metrics.recordsExported.inc(n),
            dropped: () => metrics.exportDropped.inc(),
            failed: (n, error) => {
              metrics.exportFailures.inc();
              console.error(`tme: OTLP export of ${n} spans failed: ${error?.message ?? 'unknown error'}`);
            },
          },
        });
  const denyList = new DenyList(config.denyKeyHeader);
  const autoDeny = new AutoDeny(config.autoDeny, denyList);
  const engine = loadEngine();
  const policies = new PolicyStore((text) => engine.validatePolicy(text));
  if (config.policyFile !== undefined) policies.loadFile(config.policyFile);
  engine.setRedaction(config.redaction);
  const inventory = await startInventory(config);
  const inventoryTelemetry =
    inventory.inventory === undefined ? undefined : startInventoryTelemetry(config, inventory.inventory, metrics.registry);
  const sampler = new StoreSampler(config.storeSampleRate);
  const notStored = (why: 'summary' | 'sampled-out'): void =>
    metrics.recordsNotStored.inc({ reason: why === 'summary' ? 'summary' : 'sampled_out' });
  const pipeline = new CapturePipeline(
    engineRedactor(engine),
    { spool, ring, spans, inventory: inventory.sink, sampler, notStored },
    autoDeny,
  );

  const encode = (parts: ExchangeParts): EncodedRecord => producedRecord(engine.encodeRecord(parts), engine.recordMarks());
  const bodies = new InflightBodies(config.maxInflightBodyBytes, () => metrics.bodiesRefused.inc());
  const router = createRouter(
    [
      ...ingestRoutes({
        pipeline,
        encode,
        fromAgent: (req) => presentsAgentToken(config, req),
        metrics,
        bodies,
        maxBodyBytes: config.maxBatchBytes,
      }),
      ...captureRoutes(ring, config.capturesResponseBytes),
      ...adminRoutes(metrics.registry),
      ...inventory.routes,
      ...dashboardRoutes(config.adminToken, bodies),
      ...samplingRoutes({ sampler, notStored: metrics.recordsNotStored, inventory: inventory.inventory }),
      ...enforceRoutes({
        policies,
        denyList,
        check: requestChecker(
          denyList,
          recordInspector(
            engine,
            () => policies.detectionAction(),
            (v) => countDetection(metrics.detections, v),
          ),
        ),
        bodies,
        maxBodyBytes: config.maxBatchBytes,
      }),
    ],
    credentialCheck(config, (route) => metrics.unauthorized.inc({ route })),
  );
  const http = await startHttpServer(config.host, config.httpPort, config.maxConnections, router);
  // ext_proc and ext_authz: Envoy asks the TME directly (no Wasm); same engine, policy and deny list.
  const decider = new RequestDecider(
    engine,
    policies,
    denyList,
    {
      maxBodyBytes: config.capture.bodyCaptureSize,
      blockingStatusCode: config.blocking.statusCode,
      blockingMessage: config.blocking.message,
    },
    metrics.detections,
  );
  const extProc = extProcService({
    decider,
    settings: config.capture,
    encode,
    accept: (records) => {
      metrics.recordsReceived.inc({ source: 'ext_proc' }, records.length);
      return pipeline.acceptEncoded(records, 'ext_proc');
    },
    registry: metrics.registry,
    testDelayMs: config.extProcTestDelayMs,
  });
  const extAuthz = extAuthzService({ decider, ...config.capture, registry: metrics.registry });
  const grpc = await startGrpcServer(config.host, config.grpcPort, [healthService(), extProc, extAuthz]).catch(async (error: unknown) => {
    await http.close();
    throw error;
  });

  return {
    httpPort: http.port,
    grpcPort: grpc.port,
    async stop() {
      await Promise.all([http.close(), grpc.close()]);
      await extProc.flush();
      await spans?.shutdown();
      await inventory.stop();
      await inventoryTelemetry?.stop();
      await spool.close();
    },
  };
}
