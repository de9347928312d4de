// The request shapes the benchmark sends: an API GET without a body, and JSON POSTs of exactly 1 KiB and
// 64 KiB that look like real API traffic (nested objects, numbers, strings, an e-mail address, no attack
// patterns), so capture, redaction and detection do their usual work on them. Deterministic: every run
// sends the same bytes.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RequestSpec } from "./wrk.ts";

export const PAYLOADS = ["get", "json-1k", "json-64k"] as const;
export type PayloadName = (typeof PAYLOADS)[number];

const COMMON_HEADERS: Record<string, string> = {
  accept: "application/json",
  "user-agent": "gatewarden-bench/1 (wrk)",
  authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
  "x-request-id": "7d1f3c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b",
};

function order(i: number): Record<string, unknown> {
  return {
    id: `ord-${String(100000 + i)}`,
    customer: { id: 4200 + (i % 97), name: `Customer ${i % 97}`, email: `customer${i % 97}@example.com` },
    currency: "EUR",
    items: [
      { sku: `SKU-${(i * 7) % 1000}`, quantity: 1 + (i % 3), unitPrice: 19.99 },
      { sku: `SKU-${(i * 13) % 1000}`, quantity: 2, unitPrice: 5.5 },
    ],
    shipping: { method: "standard", address: { street: `${10 + (i % 90)} Main Street`, city: "Springfield", zip: "12345", country: "DE" } },
    tags: ["web", i % 2 === 0 ? "priority" : "regular"],
  };
}

/** A JSON document of exactly `size` bytes: as many orders as fit, then a padding note. */
export function jsonOfExactSize(size: number): string {
  const orders: unknown[] = [];
  const frame = (note: string) => JSON.stringify({ orders, note });
  for (let i = 0; ; i++) {
    orders.push(order(i));
    if (frame("").length > size) {
      orders.pop();
      break;
    }
  }
  const base = frame("").length;
  if (base > size) throw new Error(`cannot build a ${size}-byte JSON document`);
  const words = "please deliver between nine and five and ring twice ";
  const note = words.repeat(Math.ceil((size - base) / words.length)).slice(0, size - base);
  const doc = frame(note);
  if (Buffer.byteLength(doc) !== size) throw new Error(`payload is ${Buffer.byteLength(doc)} bytes, wanted ${size}`);
  return doc;
}

/** Writes the bodies to `dir` and returns each payload's request. */
export function requestSpecs(dir: string): Record<PayloadName, RequestSpec> {
  mkdirSync(dir, { recursive: true });
  const body = (name: string, size: number) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, jsonOfExactSize(size));
    return file;
  };
  return {
    get: { method: "GET", path: "/api/v1/orders?page=2&limit=20&sort=created", headers: COMMON_HEADERS },
    "json-1k": {
      method: "POST",
      path: "/api/v1/orders",
      headers: { ...COMMON_HEADERS, "content-type": "application/json" },
      bodyFile: body("json-1k", 1024),
    },
    "json-64k": {
      method: "POST",
      path: "/api/v1/orders/bulk",
      headers: { ...COMMON_HEADERS, "content-type": "application/json" },
      bodyFile: body("json-64k", 64 * 1024),
    },
  };
}
