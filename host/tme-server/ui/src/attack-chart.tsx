// Blocked attacks per minute, stacked by detection category, from the recent captures' verdicts.
import type { Capture } from './api.ts';

const COLORS = ['#dc2626', '#ea580c', '#ca8a04', '#7c3aed', '#2563eb', '#0d9488', '#db2777', '#4b5563'];
const MINUTES = 30;
const W = 420;
const H = 140;

export function AttackChart({ captures }: { captures: Capture[] }) {
  const now = Math.floor(Date.now() / 60_000);
  const perMinute = new Map<number, Map<string, number>>();
  const categories: string[] = [];
  for (const c of captures) {
    if (c.attributes['gatewarden.verdict.action'] !== 'block') continue;
    const minute = Math.floor(Date.parse(c.received_at) / 60_000);
    if (now - minute >= MINUTES) continue;
    const category = String(c.attributes['gatewarden.verdict.category'] ?? 'policy');
    if (!categories.includes(category)) categories.push(category);
    const counts = perMinute.get(minute) ?? new Map<string, number>();
    counts.set(category, (counts.get(category) ?? 0) + 1);
    perMinute.set(minute, counts);
  }
  if (categories.length === 0)
    return (
      <p class="muted" id="attacks">
        No attack blocked in the last {MINUTES} minutes.
      </p>
    );
  categories.sort();
  let max = 1;
  for (const counts of perMinute.values())
    max = Math.max(
      max,
      [...counts.values()].reduce((a, b) => a + b, 0),
    );
  const bar = W / MINUTES;
  const bars = [];
  for (const [minute, counts] of perMinute) {
    const x = (MINUTES - 1 - (now - minute)) * bar;
    let y = H;
    for (const category of categories) {
      const n = counts.get(category) ?? 0;
      if (n === 0) continue;
      const h = (n / max) * (H - 10);
      y -= h;
      bars.push(
        <rect x={x + 1} y={y} width={bar - 2} height={h} fill={COLORS[categories.indexOf(category) % COLORS.length]}>
          <title>{`${n} ${category}`}</title>
        </rect>,
      );
    }
  }
  return (
    <div id="attacks">
      <svg viewBox={`0 0 ${W} ${H + 16}`} width="100%" role="img" aria-label="blocked attacks per minute by category">
        <line x1="0" y1={H} x2={W} y2={H} stroke="#d0d5dd" />
        {bars}
        <text x="0" y={H + 13} font-size="10" fill="#667085">
          -{MINUTES} min
        </text>
        <text x={W} y={H + 13} font-size="10" fill="#667085" text-anchor="end">
          now
        </text>
      </svg>
      <div class="legend">
        {categories.map((c, i) => (
          <span data-category={c}>
            <i style={`background:${COLORS[i % COLORS.length]}`} />
            {c}
          </span>
        ))}
      </div>
    </div>
  );
}
