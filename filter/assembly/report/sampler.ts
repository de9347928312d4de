// Chooses the exchanges reported in full under report.sampleRate. A credit counter, not chance: it keeps
// an even one-in-N spread, exactly rate × exchanges, so tests (and operators) can count what they get.
// The TME's store sampling (host/tme-server/src/sampling/store-sampler.ts) uses the same arithmetic.

/** The rate in trillionths, so the credit is exact integer arithmetic; config refuses finer rates (MIN_SAMPLE_RATE). */
const SCALE: u64 = 1000000000000;
/** The smallest rate above 0 that the credit can express. */
export const MIN_SAMPLE_RATE: f64 = 1e-12;

export class Sampler {
  private readonly step: u64;
  private credit: u64 = 0;

  constructor(rate: f64) {
    this.step = <u64>Math.round(rate * <f64>SCALE);
  }

  /** Whether the next exchange is kept. */
  keep(): bool {
    this.credit += this.step;
    if (this.credit < SCALE) return false;
    this.credit -= SCALE;
    return true;
  }
}
