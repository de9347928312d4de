// The results as a bar chart: an SVG drawn here, rasterised to PNG with @resvg/resvg-js (prebuilt
// binaries from the npm registry). Two panels per payload: median requests per second (labelled with
// the ratio to plain) and Envoy CPU per request. Invalid variants are drawn hatched in red.
import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import type { VariantResult } from "./report.ts";
import { ensureDebianPackage } from "./wrk.ts";

const COLORS = ["#6b7280", "#2563eb", "#16a34a", "#9333ea", "#ea580c", "#ca8a04", "#0891b2", "#db2777"];
const FONT = "DejaVu Sans";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (n >= 10000) return `${(n / 1000).toFixed(1)}k`;
  if (n >= 100) return Math.round(n).toString();
  return n.toFixed(1);
}

export function renderSvg(results: VariantResult[], title: string, subtitle: string): string {
  const payloads = [...new Set(results.map((r) => r.payload))];
  const variants = [...new Set(results.map((r) => r.name))];
  const color = (v: string) => COLORS[variants.indexOf(v) % COLORS.length]!;
  const panelW = 360;
  const panelH = 230;
  const left = 70;
  const top = 90;
  const gapX = 40;
  const gapY = 90;
  const width = left + payloads.length * (panelW + gapX) + 20;
  const metrics: { key: "rps" | "cpu_us_per_request"; label: string }[] = [
    { key: "rps", label: "requests/s (median)" },
    { key: "cpu_us_per_request", label: "Envoy CPU µs per request" },
  ];
  const legendY = top + metrics.length * (panelH + gapY) - 30;
  const height = legendY + 20 + Math.ceil(variants.length / 3) * 22 + 10;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
  );
  out.push(
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fee2e2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#dc2626" stroke-width="3"/></pattern></defs>`,
  );
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${left}" y="30" font-size="20" font-weight="bold" fill="#111827">${esc(title)}</text>`);
  out.push(`<text x="${left}" y="54" font-size="12" fill="#4b5563">${esc(subtitle)}</text>`);

  metrics.forEach((metric, mi) => {
    const y0 = top + mi * (panelH + gapY);
    const max = niceMax(Math.max(...results.map((r) => (Number.isFinite(r[metric.key]) ? r[metric.key] : 0))) * 1.15);
    payloads.forEach((payload, pi) => {
      const x0 = left + pi * (panelW + gapX);
      const rows = variants.map((v) => results.find((r) => r.name === v && r.payload === payload));
      out.push(
        `<text x="${x0 + panelW / 2}" y="${y0 - 14}" font-size="14" font-weight="bold" text-anchor="middle" fill="#111827">${esc(payload)} — ${esc(metric.label)}</text>`,
      );
      for (let i = 0; i <= 4; i++) {
        const v = (max * i) / 4;
        const y = y0 + panelH - (panelH * i) / 4;
        out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + panelW}" y2="${y}" stroke="#e5e7eb"/>`);
        out.push(`<text x="${x0 - 6}" y="${y + 4}" font-size="11" text-anchor="end" fill="#6b7280">${fmtNum(v)}</text>`);
      }
      const slot = panelW / variants.length;
      const barW = Math.min(44, slot * 0.72);
      rows.forEach((r, i) => {
        if (!r) return;
        const v = r[metric.key];
        const h = Number.isFinite(v) ? (panelH * v) / max : 0;
        const x = x0 + i * slot + (slot - barW) / 2;
        const y = y0 + panelH - h;
        out.push(
          `<rect x="${x}" y="${y}" width="${barW}" height="${h}" fill="${r.valid ? color(r.name) : "url(#hatch)"}" stroke="${r.valid ? "none" : "#dc2626"}"/>`,
        );
        const label =
          metric.key === "rps" && r.ratio_to_plain !== null && r.name !== "plain" ? `${r.ratio_to_plain.toFixed(2)}×` : fmtNum(v);
        out.push(`<text x="${x + barW / 2}" y="${y - 5}" font-size="11" text-anchor="middle" fill="#111827">${esc(label)}</text>`);
        if (!r.valid)
          out.push(
            `<text x="${x + barW / 2}" y="${y0 + panelH - 6}" font-size="10" text-anchor="middle" fill="#dc2626" font-weight="bold">INVALID</text>`,
          );
      });
      out.push(`<line x1="${x0}" y1="${y0 + panelH}" x2="${x0 + panelW}" y2="${y0 + panelH}" stroke="#374151"/>`);
    });
  });
  variants.forEach((v, i) => {
    const x = left + (i % 3) * 300;
    const y = legendY + 10 + Math.floor(i / 3) * 22;
    out.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${color(v)}"/>`);
    out.push(`<text x="${x + 20}" y="${y + 12}" font-size="13" fill="#111827">${esc(v)}</text>`);
  });
  out.push(
    `<text x="${width - 20}" y="${legendY - 4}" font-size="11" text-anchor="end" fill="#6b7280">labels on rps bars: ratio to plain (same payload, same run)</text>`,
  );
  out.push("</svg>");
  return out.join("\n");
}

// Debian's fonts-dejavu-core; resvg is also given the files directly, so fontconfig is not needed.
const FONT_FILES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"];

function hasFont(): boolean {
  return FONT_FILES.every((f) => existsSync(f));
}

export function renderPng(svg: string, log: (s: string) => void): Buffer {
  ensureDebianPackage("fonts-dejavu-core", hasFont, log);
  const resvg = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT },
    fitTo: { mode: "zoom", value: 1.5 },
    background: "white",
  });
  return resvg.render().asPng();
}
