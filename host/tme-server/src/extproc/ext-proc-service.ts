// envoy.service.ext_proc.v3.ExternalProcessor/Process on the TME's gRPC port: one bidirectional stream
// per HTTP exchange, handled by an ExchangeProcessor; finished exchanges are encoded by the engine (the
// filter's own record encoder, redacted) and recorded through the same capture pipeline as the filter's
// reports (source "ext_proc").
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import type { RequestDecider } from '../decide/request-decider.ts';
import type { GrpcService } from '../grpc/server.ts';
import { envoyServices } from '../grpc/envoy-protos.ts';
import type { ExchangeParts } from '../../../../filter/node/engine.ts';
import type { EncodedRecord } from '../ingest/capture-pipeline.ts';
import { ExchangeProcessor, type ProcessingRequest, type ProcessingResponse, type ProcessorSettings } from './processor.ts';
import { RecordBatcher } from './record-batcher.ts';

export interface ExtProcDependencies {
  decider: RequestDecider;
  settings: ProcessorSettings;
  /** The record of an exchange, redacted, marked and framed: the engine's encodeRecord. */
  encode(parts: ExchangeParts): EncodedRecord;
  /** Where records go (the capture pipeline's encoded path). */
  accept(records: readonly EncodedRecord[]): Promise<unknown>;
  registry: Registry;
  /** For tests only: every reply waits this long (to exercise Envoy's message_timeout). 0 = off. */
  testDelayMs?: number;
}

export interface ExtProcService extends GrpcService {
  /** Writes what is pending to the pipeline. */
  flush(): Promise<void>;
}

export function extProcService(deps: ExtProcDependencies): ExtProcService {
  const registers = [deps.registry];
  const streams = new Counter({ name: 'tme_extproc_streams_total', help: 'ext_proc streams Envoy opened.', registers });
  const exchanges = new Counter({
    name: 'tme_extproc_exchanges_total',
    help: 'Exchanges recorded from ext_proc streams, by outcome (passed, blocked).',
    labelNames: ['outcome'],
    registers,
  });
  const failures = new Counter({
    name: 'tme_extproc_record_failures_total',
    help: 'ext_proc records the pipeline could not accept.',
    registers,
  });
  exchanges.inc({ outcome: 'passed' }, 0);
  exchanges.inc({ outcome: 'blocked' }, 0);

  const batcher = new RecordBatcher({ accept: deps.accept }, (error, count) => {
    failures.inc(count);
    console.error(`tme: ext_proc: ${count} records not recorded: ${error instanceof Error ? error.message : String(error)}`);
  });
  const delay = deps.testDelayMs ?? 0;

  const process = (call: ServerDuplexStream<ProcessingRequest, ProcessingResponse>): void => {
    streams.inc();
    const write = (message: ProcessingResponse): void => {
      if (call.cancelled || call.writableEnded) return;
      call.write(message);
    };
    const processor = new ExchangeProcessor(deps.settings, deps.decider, {
      reply: delay > 0 ? (m) => void setTimeout(() => write(m), delay) : write,
      finished: (ex, blocked) => {
        exchanges.inc({ outcome: blocked ? 'blocked' : 'passed' });
        batcher.add(deps.encode(ex.parts(deps.settings.serviceName)));
        // An observed exchange has nothing more to say: closing now frees Envoy's side of the stream,
        // which it would otherwise hold (with the messages it buffered) until its deferred-close timeout.
        if (processor.observing && !call.writableEnded) call.end();
      },
    });
    call.on('data', (msg: ProcessingRequest) => {
      try {
        processor.onMessage(msg);
      } catch (error) {
        // A bug here must not take the gateway down: Envoy applies failure_mode_allow.
        console.error('tme: ext_proc: message failed:', error);
        call.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
    call.on('end', () => {
      processor.onClose();
      if (!call.writableEnded) call.end();
    });
    call.on('cancelled', () => processor.onClose());
    call.on('error', () => processor.onClose());
    call.on('close', () => processor.onClose());
  };

  return {
    register: (server) => server.addService(envoyServices().extProc, { Process: process }),
    flush: () => batcher.flush(),
  };
}
