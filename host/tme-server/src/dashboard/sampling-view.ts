// The shape of GET /v1/sampling, imported by the route and by the dashboard's client (ui/src/api.ts):
// no imports, so the browser build can take it as it is.
export interface SamplingView {
  /** TME_STORE_SAMPLE_RATE. */
  storeSampleRate: number;
  /** The filter's report.sampleRate as received: full records / (full records + summaries), both without a verdict; null before any. */
  filterSampleRate: number | null;
  /** The records the filter rate is read from. */
  received: { full: number; summaries: number; verdicts: number };
  /** Since the TME started: records the inventory counted (null with the inventory off), and of them stored and counted only. */
  counted: number | null;
  stored: number | null;
  notStored: { summary: number; sampledOut: number };
}
