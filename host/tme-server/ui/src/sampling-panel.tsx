// The capture sample rates in force and what they did: every call is counted by the inventory, only a
// sample is stored. The filter's rate is read from what reached the TME (full records against summaries).
import type { SamplingView } from './api.ts';

/** A rate as a short decimal: 21/27 as 0.78, 0.00005 as is. */
function rate(value: number): string {
  return String(Number(value.toPrecision(2)));
}

function Figure({ name, value, label, title }: { name: string; value: string; label: string; title?: string }) {
  return (
    <div class="figure" data-figure={name} title={title}>
      <b>{value}</b>
      <span>{label}</span>
    </div>
  );
}

/** Stored, summaries and sampled-out records as one bar, in proportion. */
function ShareBar({ stored, summary, sampledOut }: { stored: number; summary: number; sampledOut: number }) {
  const total = stored + summary + sampledOut;
  if (total === 0) return null;
  const part = (n: number, kind: string, text: string) =>
    n > 0 && (
      <i class={kind} style={{ width: `${(100 * n) / total}%` }} title={`${n} ${text}`}>
        {n}
      </i>
    );
  return (
    <div class="share" aria-hidden="true">
      {part(stored, 'stored', 'stored')}
      {part(summary, 'summary', 'summaries, counted only')}
      {part(sampledOut, 'sampled-out', 'sampled out by the TME, counted only')}
    </div>
  );
}

export function SamplingPanel({ data }: { data: SamplingView | undefined }) {
  if (!data) return <p class="muted">Loading…</p>;
  const { summary, sampledOut } = data.notStored;
  const { full, summaries } = data.received;
  return (
    <div id="sampling">
      <div class="figures">
        <Figure
          name="filter-rate"
          value={data.filterSampleRate === null ? '–' : rate(data.filterSampleRate)}
          label="filter report.sampleRate, as received"
          title={`${full} exchanges without a verdict arrived in full, ${summaries} as summaries`}
        />
        <Figure name="store-rate" value={rate(data.storeSampleRate)} label="TME_STORE_SAMPLE_RATE" />
        <Figure name="counted" value={data.counted === null ? '–' : String(data.counted)} label="calls counted by the inventory" />
        <Figure name="stored" value={data.stored === null ? '–' : String(data.stored)} label="stored in full" />
        <Figure
          name="counted-only"
          value={String(summary + sampledOut)}
          label={`counted only: ${summary} summaries, ${sampledOut} sampled out`}
        />
      </div>
      {data.stored !== null && <ShareBar stored={data.stored} summary={summary} sampledOut={sampledOut} />}
      <p class="muted">
        Since the TME started. The inventory counts every call; only a sample is stored (spool, recent captures, OTLP export). Calls with a
        verdict are always stored.
      </p>
    </div>
  );
}
