// Fixed-size, mergeable summaries of a stream: a log-bucket latency histogram
// (percentiles within ~19% of the true value) and a HyperLogLog of distinct
// clients (~3% error, 1 KiB). Both merge by adding or maxing arrays, so
// replicas and restarts combine without losing anything.

/** Buckets per doubling of the latency; bucket i covers [2^(i/4), 2^((i+1)/4)) microseconds. */
const SUB_BUCKETS = 4;
export const LATENCY_BUCKETS = 26 * SUB_BUCKETS; // up to 2^26 µs, about 67 s; slower lands in the last bucket

export function latencyBucket(micros: number): number {
  if (!(micros >= 1)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.floor(Math.log2(micros) * SUB_BUCKETS));
}

export function emptyLatency(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/** The upper bound, in milliseconds, of the bucket holding quantile `q` (0-1); undefined when empty. */
export function latencyQuantile(buckets: readonly number[], q: number): number | undefined {
  let total = 0;
  for (const n of buckets) total += n;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(total * q));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return Math.round(2 ** ((i + 1) / SUB_BUCKETS)) / 1000;
  }
  return undefined;
}

export function mergeLatency(into: number[], from: unknown): void {
  if (!Array.isArray(from)) return;
  for (let i = 0; i < LATENCY_BUCKETS && i < from.length; i++) {
    const n = from[i];
    if (typeof n === 'number' && Number.isFinite(n)) into[i] = (into[i] ?? 0) + n;
  }
}

const HLL_BITS = 10;
const HLL_REGISTERS = 1 << HLL_BITS;

export function emptyHll(): Uint8Array {
  return new Uint8Array(HLL_REGISTERS);
}

// FNV-1a then the murmur3 finalizer: cheap, and well enough mixed for register selection and rank.
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash a value is counted by. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return finish(h);
}

/** hashText of the bytes' text, when they are ASCII (client addresses are): no string built. */
export function hashBytes(bytes: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return finish(h);
}

export function hllAdd(registers: Uint8Array, value: string): void {
  hllAddHash(registers, hashText(value));
}

export function hllAddHash(registers: Uint8Array, h: number): void {
  const index = h >>> (32 - HLL_BITS);
  const rest = (h << HLL_BITS) >>> 0;
  const rank = rest === 0 ? 32 - HLL_BITS + 1 : Math.clz32(rest) + 1;
  if (rank > registers[index]!) registers[index] = rank;
}

export function hllCount(registers: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (const r of registers) {
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const m = HLL_REGISTERS;
  const estimate = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
  // Small range: linear counting is exact enough and much better than the raw estimate.
  if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(estimate);
}

export function hllMerge(into: Uint8Array, from: Uint8Array): void {
  for (let i = 0; i < HLL_REGISTERS; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
}

export function hllToBase64(registers: Uint8Array): string {
  return Buffer.from(registers).toString('base64');
}

export function hllFromBase64(text: unknown): Uint8Array {
  const out = emptyHll();
  if (typeof text !== 'string') return out;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === HLL_REGISTERS) for (let i = 0; i < HLL_REGISTERS; i++) out[i] = Math.min(bytes[i]!, 32);
  return out;
}
