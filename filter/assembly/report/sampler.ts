// Chooses the exchanges reported in full under report.sampleRate. A credit counter, not chance: it keeps
// an even one-in-N spread, exactly rate × exchanges, so tests (and operators) can count what they get.
// The TME's store sampling (host/tme-server/src/sampling/store-sampler.ts) uses the same arithmetic.

/** The rate in millionths, so the credit is exact integer arithmetic. */
const SCALE: u32 = 1000000;

export class Sampler {
  private readonly step: u32;
  private credit: u32 = 0;

  constructor(rate: f64) {
    this.step = <u32>Math.round(rate * <f64>SCALE);
  }

  /** Whether the next exchange is kept. */
  keep(): bool {
    this.credit += this.step;
    if (this.credit < SCALE) return false;
    this.credit -= SCALE;
    return true;
  }
}
