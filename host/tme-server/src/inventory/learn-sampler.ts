// Which exchanges an endpoint learns its schemas from. Learning parses the record and its bodies and
// folds them (80 µs for a 1 KiB record when frequent, several times that when rare and its code has gone
// cold), so once an endpoint's schemas are settled it learns from
// a sample, with two rules that keep the sample from missing what is new:
// - every exchange that shows a field name the endpoint has not learned (key-signature.ts: body keys,
//   query names, status, content types) is learned, however rare it is;
// - the rest is sampled one in `interval` on average, at random (a fixed-seed xorshift, so a periodic
//   traffic pattern cannot hide from it and runs repeat). The interval doubles after each learned
//   exchange that taught nothing new, up to MAX_INTERVAL, and drops back to MIN_INTERVAL when one
//   did (a new field, or a sensitive class first seen on a field): a changing endpoint is watched closely,
//   a settled one costs almost nothing. What the names cannot show (a value of a known field that is
//   newly sensitive or of another type) is found by the sample, at worst within about MAX_INTERVAL
//   exchanges of it becoming common.
import { addBits, hasNewBits, keySignature, SIGNATURE_WORDS } from './key-signature.ts';
import type { ExchangeView } from './exchange-view.ts';

/** An endpoint learns all of its first WARM_UP exchanges. */
export const WARM_UP = 200;
const MIN_INTERVAL = 16;
/** At 256 learning still cost ~2-3 µs per record in process (rare learns run cold); at 1024, ~0.5. */
export const MAX_INTERVAL = 1024;

interface EndpointSampling {
  /** Field-name bits of the exchanges learned (or queued to be). */
  known: Uint32Array;
  /** Every bit of `known` set (a stream of new names filled it): no record can show a new name. */
  full: boolean;
  interval: number;
  /** Exchanges left before the next sampled one. */
  countdown: number;
}

export class LearnSampler {
  private readonly endpoints = new WeakMap<object, EndpointSampling>();
  private readonly bits = new Uint32Array(SIGNATURE_WORDS);
  private random = 0x9e3779b9;

  private next(interval: number): number {
    // xorshift32: one to 2 × interval - 1 exchanges, interval on average.
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return 1 + (this.random % (2 * interval - 1));
  }

  private state(endpoint: object): EndpointSampling {
    let state = this.endpoints.get(endpoint);
    if (state === undefined) {
      state = { known: new Uint32Array(SIGNATURE_WORDS), full: false, interval: MIN_INTERVAL, countdown: 0 };
      state.countdown = this.next(MIN_INTERVAL);
      this.endpoints.set(endpoint, state);
    }
    return state;
  }

  /**
   * Whether to learn from this exchange, the `count`-th of its endpoint. `take` is asked last (room in
   * the queue): only a taken exchange's names count as known.
   */
  choose(endpoint: object, count: number, view: ExchangeView, take: () => boolean): boolean {
    const state = this.state(endpoint);
    // A full filter has nothing to learn from the names: the record is not read for them.
    if (!state.full) keySignature(view, this.bits);
    let chosen = count <= WARM_UP || (!state.full && hasNewBits(this.bits, state.known));
    if (!chosen && --state.countdown <= 0) {
      state.countdown = this.next(state.interval);
      chosen = true;
    }
    if (!chosen || !take()) return false;
    if (!state.full) state.full = addBits(state.known, this.bits);
    return true;
  }

  /** After learning from an exchange: whether it taught something new sets how often the endpoint is sampled. */
  learned(endpoint: object, taughtSomething: boolean): void {
    const state = this.state(endpoint);
    state.interval = taughtSomething ? MIN_INTERVAL : Math.min(MAX_INTERVAL, state.interval * 2);
    if (state.countdown > 2 * state.interval) state.countdown = this.next(state.interval);
  }
}
