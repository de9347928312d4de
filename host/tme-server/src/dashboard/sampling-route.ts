// GET /v1/sampling: the capture sample rates in force and what they did since the TME started, so the
// dashboard can show that the inventory counts every call while only a sample is stored. The TME is
// not told the filter's report.sampleRate; it sees its effect, the share of records without a verdict
// that arrive in full rather than as summaries.
import type { Counter } from 'prom-client';
import { sendJson } from '../http/respond.ts';
import type { Route } from '../http/router.ts';
import type { StoreSampler } from '../sampling/store-sampler.ts';
import type { SamplingView } from './sampling-view.ts';

export interface SamplingSources {
  sampler: StoreSampler;
  /** tme_records_not_stored_total{reason}. */
  notStored: Counter<'reason'>;
  /** The inventory's count of every record it saw; undefined when the inventory is off. */
  inventory: { stats: { observed: number } } | undefined;
}

async function notStoredBy(counter: Counter<'reason'>): Promise<{ summary: number; sampledOut: number }> {
  const values = (await counter.get()).values;
  const of = (reason: string): number => values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { summary: of('summary'), sampledOut: of('sampled_out') };
}

export async function samplingView({ sampler, notStored, inventory }: SamplingSources): Promise<SamplingView> {
  const { plain, summary, verdict } = sampler.tally;
  const skipped = await notStoredBy(notStored);
  // Both are counted after the spool write, for every record: what the inventory saw and was not skipped was stored.
  const counted = inventory?.stats.observed ?? null;
  return {
    storeSampleRate: sampler.rate,
    filterSampleRate: plain + summary === 0 ? null : plain / (plain + summary),
    received: { full: plain, summaries: summary, verdicts: verdict },
    counted,
    stored: counted === null ? null : counted - skipped.summary - skipped.sampledOut,
    notStored: skipped,
  };
}

export function samplingRoutes(sources: SamplingSources): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/sampling',
      access: 'reader',
      handler: async (_req, res) => sendJson(res, 200, await samplingView(sources)),
    },
  ];
}
