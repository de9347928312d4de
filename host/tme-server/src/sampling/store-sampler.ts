// Which accepted records the TME stores (spool, ring, OTLP export) under TME_STORE_SAMPLE_RATE. Every
// record still reaches the inventory; storing is what is sampled. A record with a verdict is always
// stored, and a summary (an exchange the filter's report.sampleRate left out) never is; a summary that
// carries a verdict (the filter writes none) is stored, since its verdict reaches auto-deny and must
// stay auditable. The choice is a credit counter, the filter's own arithmetic
// (filter/assembly/report/sampler.ts): exactly rate × records in an even spread, so it can be counted.

/** The rate in trillionths, so the credit is exact integer arithmetic (below 2^53); config refuses finer rates. */
const SCALE = 1e12;
/** The smallest rate above 0 that the credit can express. */
export const MIN_SAMPLE_RATE = 1e-12;
// A summary starts with this: the filter writes the mark first so it costs a prefix compare, not a parse.
const SUMMARY_PREFIX = Buffer.from('{"sampled":false');

export type StoreDecision = 'store' | 'summary' | 'sampled-out';

/** Records the sampler was asked about since start, by what they carried. */
export interface SamplerTally {
  verdict: number;
  /** Summaries without a verdict: exchanges the filter's report.sampleRate left out. */
  summary: number;
  /** Full records without a verdict: the ones TME_STORE_SAMPLE_RATE samples. */
  plain: number;
}

export class StoreSampler {
  private readonly step: number;
  private credit = 0;
  readonly tally: SamplerTally = { verdict: 0, summary: 0, plain: 0 };

  constructor(readonly rate: number) {
    this.step = Math.round(rate * SCALE);
  }

  decide(verdict: boolean, summary: boolean): StoreDecision {
    if (verdict) {
      this.tally.verdict++;
      return 'store';
    }
    if (summary) {
      this.tally.summary++;
      return 'summary';
    }
    this.tally.plain++;
    this.credit += this.step;
    if (this.credit < SCALE) return 'sampled-out';
    this.credit -= SCALE;
    return 'store';
  }
}

/** Whether record bytes (as the filter encoded them) are a summary. */
export function isSummary(record: Buffer): boolean {
  // Byte by byte: a subarray to compare with costs more than the compare (it runs per record).
  if (record.length < SUMMARY_PREFIX.length) return false;
  for (let i = 0; i < SUMMARY_PREFIX.length; i++) if (record[i] !== SUMMARY_PREFIX[i]) return false;
  return true;
}
