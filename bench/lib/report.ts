// The benchmark's results: one row per variant and payload, aggregated over the interleaved runs, and the
// Markdown table printed and written next to the JSON.
import type { RunSample } from "./harness.ts";
import { cv, median } from "./stats.ts";

export interface VariantResult {
  name: string;
  payload: string;
  description: string;
  valid: boolean;
  problems: string[];
  warnings: string[];
  /** Medians over the runs. */
  rps: number;
  p50_us: number;
  p99_us: number;
  idle_p50_us: number | null;
  idle_p99_us: number | null;
  ratio_to_plain: number | null;
  /** Median over the rounds of rps / plain's rps in the same round (robust to drift during the run). */
  ratio_to_plain_paired: number | null;
  added_p50_us: number | null;
  added_idle_p50_us: number | null;
  cpu_us_per_request: number;
  added_cpu_us_per_request: number | null;
  tme_cpu_us_per_request: number | null;
  rss_bytes: number;
  rss_peak_bytes: number;
  rps_min: number;
  rps_max: number;
  rps_cv: number;
  cpu_pct: RunSample["cpu_pct"];
  runs: RunSample[];
}

export interface TargetCheck {
  name: string;
  value: number | null;
  threshold: number;
  comparison: ">=" | "<=";
  unit: string;
  pass: boolean | null;
  note?: string;
}

function medianOrNull(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? median(v) : null;
}

export function aggregate(name: string, payload: string, description: string, runs: RunSample[]): VariantResult {
  const rps = runs.map((r) => r.rps);
  const problems = [...new Set(runs.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)))];
  const warnings = [...new Set(runs.flatMap((r) => r.warnings.map((w) => `round ${r.round}: ${w}`)))];
  const key = ["envoy", "upstream", "tme", "wrk", "other", "machine"] as const;
  const cpuPct = Object.fromEntries(key.map((k) => [k, median(runs.map((r) => r.cpu_pct[k]))])) as RunSample["cpu_pct"];
  return {
    name,
    payload,
    description,
    valid: problems.length === 0 && runs.length > 0,
    problems,
    warnings,
    rps: median(rps),
    p50_us: median(runs.map((r) => r.p50_us)),
    p99_us: median(runs.map((r) => r.p99_us)),
    idle_p50_us: medianOrNull(runs.map((r) => r.idle_p50_us)),
    idle_p99_us: medianOrNull(runs.map((r) => r.idle_p99_us)),
    ratio_to_plain: null,
    ratio_to_plain_paired: null,
    added_p50_us: null,
    added_idle_p50_us: null,
    cpu_us_per_request: median(runs.map((r) => r.cpu_us_per_request)),
    added_cpu_us_per_request: null,
    tme_cpu_us_per_request: medianOrNull(runs.map((r) => r.tme_cpu_us_per_request)),
    rss_bytes: runs.at(-1)?.rss_bytes ?? NaN,
    rss_peak_bytes: Math.max(...runs.map((r) => r.rss_peak_bytes)),
    rps_min: Math.min(...rps),
    rps_max: Math.max(...rps),
    rps_cv: cv(rps),
    cpu_pct: cpuPct,
    runs,
  };
}

/** Fills the comparisons with plain (same payload, same run). */
export function compareWithPlain(results: VariantResult[]): void {
  for (const r of results) {
    const plain = results.find((p) => p.name === "plain" && p.payload === r.payload);
    if (!plain) continue;
    r.ratio_to_plain = r.rps / plain.rps;
    const paired = r.runs
      .map((run) => {
        const p = plain.runs.find((x) => x.round === run.round);
        return p ? run.rps / p.rps : NaN;
      })
      .filter(Number.isFinite);
    r.ratio_to_plain_paired = paired.length ? median(paired) : null;
    r.added_p50_us = r.p50_us - plain.p50_us;
    r.added_idle_p50_us = r.idle_p50_us !== null && plain.idle_p50_us !== null ? r.idle_p50_us - plain.idle_p50_us : null;
    r.added_cpu_us_per_request = r.cpu_us_per_request - plain.cpu_us_per_request;
  }
}

/** The follow-up targets (informational: they do not change the exit status). */
export function targetChecks(results: VariantResult[]): TargetCheck[] {
  const get = (name: string, payload = "json-1k") => results.find((r) => r.name === name && r.payload === payload);
  const check = (
    name: string,
    value: number | null | undefined,
    comparison: ">=" | "<=",
    threshold: number,
    unit: string,
    note?: string,
    valid = true,
  ): TargetCheck => {
    const v = value ?? null;
    const pass = v === null || !Number.isFinite(v) || !valid ? null : comparison === ">=" ? v >= threshold : v <= threshold;
    return {
      name,
      value: v,
      threshold,
      comparison,
      unit,
      pass,
      note: !valid ? "a variant it depends on is invalid" : v === null ? (note ?? "not measured in this run") : note,
    };
  };
  const capture = get("wasm-capture");
  const policy = get("wasm-policy");
  const extproc = get("ext_proc-buffered");
  const latencyNote =
    policy?.added_idle_p50_us != null
      ? `from the 1-connection probe; under load the added p50 is ${policy.added_p50_us?.toFixed(0)} µs`
      : policy?.added_p50_us != null
        ? "under load (no 1-connection probe in this run)"
        : undefined;
  return [
    check("json-1k: wasm-capture rps / plain", capture?.ratio_to_plain, ">=", 0.9, "×", undefined, capture?.valid ?? true),
    check("json-1k: wasm-policy rps / plain", policy?.ratio_to_plain, ">=", 0.85, "×", undefined, policy?.valid ?? true),
    check(
      "json-1k: wasm-policy rps / ext_proc-buffered rps",
      policy && extproc ? policy.rps / extproc.rps : null,
      ">=",
      3,
      "×",
      extproc ? undefined : "ext_proc-buffered not measured",
      (policy?.valid ?? true) && (extproc?.valid ?? true),
    ),
    check(
      "json-1k: wasm-policy added p50",
      policy?.added_idle_p50_us ?? policy?.added_p50_us,
      "<=",
      100,
      "µs",
      latencyNote,
      policy?.valid ?? true,
    ),
  ];
}

const fmt = {
  int: (n: number | null | undefined) =>
    n === null || n === undefined || !Number.isFinite(n) ? "–" : Math.round(n).toLocaleString("en-US"),
  ratio: (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(3)),
  us: (n: number | null | undefined) =>
    n === null || n === undefined || !Number.isFinite(n) ? "–" : n < 100 ? n.toFixed(1) : Math.round(n).toString(),
  mib: (n: number) => (Number.isFinite(n) ? (n / 2 ** 20).toFixed(1) : "–"),
  pct: (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–"),
};

export function markdownTable(results: VariantResult[]): string {
  const head = [
    "variant",
    "payload",
    "valid",
    "rps (median)",
    "rps spread",
    "ratio to plain",
    "p50 µs",
    "p99 µs",
    "1-conn p50 µs",
    "Envoy CPU µs/req",
    "added CPU µs/req",
    "TME CPU µs/req",
    "Envoy RSS MiB",
    "CPU % envoy/upstream/tme/wrk/other",
  ];
  const rows = results.map((r) => [
    r.name,
    r.payload,
    r.valid ? "yes" : "**INVALID**",
    fmt.int(r.rps),
    `${fmt.int(r.rps_min)}–${fmt.int(r.rps_max)} (cv ${(r.rps_cv * 100).toFixed(1)}%)`,
    fmt.ratio(r.ratio_to_plain),
    fmt.us(r.p50_us),
    fmt.us(r.p99_us),
    fmt.us(r.idle_p50_us),
    fmt.us(r.cpu_us_per_request),
    fmt.us(r.added_cpu_us_per_request),
    fmt.us(r.tme_cpu_us_per_request),
    fmt.mib(r.rss_bytes),
    [r.cpu_pct.envoy, r.cpu_pct.upstream, r.cpu_pct.tme, r.cpu_pct.wrk, r.cpu_pct.other].map(fmt.pct).join("/"),
  ]);
  return [head, head.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/**
 * What the do-nothing filter of the same SDK (wasm-floor) costs over plain Envoy, and what each Wasm variant
 * costs above it: the part of the gap that the filter's own code can close.
 */
export function floorMarkdown(results: VariantResult[]): string[] {
  const lines: string[] = [];
  for (const floor of results.filter((r) => r.name === "wasm-floor")) {
    const above = results
      .filter((r) => r.payload === floor.payload && r.name.startsWith("wasm-") && r !== floor)
      .map(
        (r) =>
          `${r.name} +${fmt.us(r.cpu_us_per_request - floor.cpu_us_per_request)} µs (${fmt.ratio(r.rps / floor.rps)}× the floor's rps)`,
      );
    lines.push(
      `- ${floor.payload}: the floor runs at ${fmt.ratio(floor.ratio_to_plain)}× plain's rps, +${fmt.us(floor.added_cpu_us_per_request)} µs of Envoy CPU per request` +
        (above.length ? `; above the floor: ${above.join(", ")}` : ""),
    );
  }
  return lines;
}

export function targetsMarkdown(targets: TargetCheck[]): string {
  return targets
    .map((t) => {
      const status = t.pass === null ? "n/a " : t.pass ? "PASS" : "FAIL";
      const value = t.value === null ? "–" : t.unit === "×" ? t.value.toFixed(3) : `${t.value.toFixed(1)}`;
      return `- ${status} ${t.name}: ${value}${t.unit === "×" ? "" : ` ${t.unit}`} (target ${t.comparison} ${t.threshold}${t.unit === "×" ? "" : ` ${t.unit}`})${t.note ? ` — ${t.note}` : ""}`;
    })
    .join("\n");
}
