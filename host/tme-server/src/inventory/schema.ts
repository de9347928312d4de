// Learned JSON Schemas: a value's shape folded into a mergeable summary
// (counts per type, per format, per property; a few enum values; sensitive
// classes), and that summary rendered as JSON Schema. Folding walks a value
// once, to MAX_DEPTH levels, MAX_PROPERTIES properties per object and
// ARRAY_SAMPLE items per array, so its cost is linear in the value and the
// summary's size has a fixed bound whatever the traffic.
import { addCount, copyDict, dict, mergeCounts, type Dict } from './dict.ts';
import { classify, classifyNumber, type SensitiveClass } from './sensitive.ts';

export const MAX_DEPTH = 8;
export const MAX_PROPERTIES = 64;
const ARRAY_SAMPLE = 16;
const MAX_ENUM = 8;
/** An enum is only claimed for a field seen this often with at most MAX_ENUM values. */
const ENUM_MIN_COUNT = 10;
// Enum values are codes (lower-case words or UPPER_CASE constants), never names: a capitalised word
// such as a city or a person is personal data, and so is anything in a field named for a person.
const ENUM_VALUE = /^[a-z_][a-z0-9_.-]{0,23}$|^[A-Z_][A-Z0-9_.-]{0,23}$/;
const PERSONAL_FIELD = /name|user|login|city|street|address|zip|postal|phone|mail|birth|account|owner/i;
/** A property is required when present in at least this share of its objects. */
const REQUIRED_SHARE = 0.95;
const INT32 = 2 ** 31;

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

export interface SchemaSummary {
  /** Times a value was folded here. */
  count: number;
  types: Dict<number>;
  formats: Dict<number>;
  /** Distinct short word values; null once there were more than MAX_ENUM or a value was not a plain word. */
  enum: string[] | null;
  properties: Dict<SchemaSummary>;
  /** Properties not kept because the object already had MAX_PROPERTIES. */
  droppedProperties: number;
  items: SchemaSummary | undefined;
  sensitive: Dict<number>;
}

export function emptySummary(): SchemaSummary {
  return {
    count: 0,
    types: dict(),
    formats: dict(),
    enum: [],
    properties: dict(),
    droppedProperties: 0,
    items: undefined,
    sensitive: dict(),
  };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const URI = /^[a-z][a-z0-9+.-]{1,15}:\/\/[^\s]{1,2048}$/i;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function stringFormat(value: string): string | undefined {
  if (value.length > 2100) return undefined;
  if (DATE_TIME.test(value)) return 'date-time';
  if (DATE.test(value)) return 'date';
  if (UUID.test(value)) return 'uuid';
  if (EMAIL.test(value)) return 'email';
  if (URI.test(value)) return 'uri';
  return undefined;
}

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

function noteEnum(summary: SchemaSummary, value: string): void {
  if (summary.enum === null) return;
  if (!ENUM_VALUE.test(value)) {
    summary.enum = null;
    return;
  }
  if (summary.enum.includes(value)) return;
  if (summary.enum.length >= MAX_ENUM) summary.enum = null;
  else summary.enum.push(value);
}

/** At most this many changes are noted per fold of one exchange, whatever its size. */
export const MAX_CHANGES = 16;

/**
 * What one fold added to a summary, for the inventory's events: fields seen for the first time, and
 * sensitive classes first found on a field. Places are dotted paths from `trail` (`body.address.city`,
 * `[]` for array items); never values.
 */
export interface FieldChanges {
  trail: string[];
  added: string[];
  sensitive: { location: string; classes: SensitiveClass[] }[];
}

export function fieldChanges(root: string): FieldChanges {
  return { trail: [root], added: [], sensitive: [] };
}

function changeRoom(changes: FieldChanges): boolean {
  return changes.added.length + changes.sensitive.length < MAX_CHANGES;
}

function noteClasses(
  summary: SchemaSummary,
  classes: readonly SensitiveClass[],
  found: Set<SensitiveClass>,
  changes: FieldChanges | undefined,
): void {
  let fresh: SensitiveClass[] | undefined;
  for (const c of classes) {
    if (changes !== undefined && summary.sensitive[c] === undefined) (fresh ??= []).push(c);
    addCount(summary.sensitive, c);
    found.add(c);
  }
  if (fresh !== undefined && changeRoom(changes!)) changes!.sensitive.push({ location: changes!.trail.join('.'), classes: fresh });
}

/**
 * Folds `value` (a field named `name`) into `summary`. Sensitive classes found anywhere in it are
 * added to `found`. Recursion depth is capped at MAX_DEPTH, whatever the value.
 */
export function fold(
  summary: SchemaSummary,
  name: string,
  value: unknown,
  found: Set<SensitiveClass>,
  depth = 0,
  changes?: FieldChanges,
): void {
  summary.count++;
  const type = jsonType(value);
  addCount(summary.types, type);
  if (type === 'string') {
    const text = value as string;
    const format = stringFormat(text);
    if (format !== undefined) addCount(summary.formats, format);
    const classes = classify(name, text);
    noteClasses(summary, classes, found, changes);
    if (classes.length > 0 || format !== undefined || PERSONAL_FIELD.test(name)) summary.enum = null;
    else noteEnum(summary, text);
    return;
  }
  if (type === 'integer' || type === 'number') {
    const n = value as number;
    if (type === 'integer' && Math.abs(n) >= INT32) addCount(summary.formats, 'int64');
    noteClasses(summary, classifyNumber(name, n), found, changes);
    summary.enum = null;
    return;
  }
  summary.enum = null;
  if (depth >= MAX_DEPTH) return;
  if (type === 'array') {
    const items = value as unknown[];
    summary.items ??= emptySummary();
    const n = Math.min(items.length, ARRAY_SAMPLE);
    changes?.trail.push('[]');
    for (let i = 0; i < n; i++) fold(summary.items, name, items[i], found, depth + 1, changes);
    changes?.trail.pop();
    return;
  }
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    let seen = 0;
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
      if (++seen > MAX_PROPERTIES * 4) break;
      let child = summary.properties[key];
      if (child === undefined) {
        if (Object.keys(summary.properties).length >= MAX_PROPERTIES) {
          summary.droppedProperties++;
          // Its shape is not kept, but its sensitive classes are: first-come properties must not let a
          // flood of junk keys hide personal data sent later. Same bounds as any fold.
          const inner = new Set<SensitiveClass>();
          fold(emptySummary(), key, object[key], inner, depth + 1);
          if (inner.size > 0) noteClasses(summary, [...inner], found, undefined);
          continue;
        }
        child = summary.properties[key] = emptySummary();
        if (changes !== undefined && changeRoom(changes)) changes.added.push(`${changes.trail.join('.')}.${key}`);
      }
      changes?.trail.push(key);
      fold(child, key, object[key], found, depth + 1, changes);
      changes?.trail.pop();
    }
  }
}

/** Folds `from` into `into`: counts add, enums unite (up to MAX_ENUM), properties merge up to MAX_PROPERTIES. */
export function mergeSummary(into: SchemaSummary, from: SchemaSummary, depth = 0): void {
  into.count += from.count;
  mergeCounts(into.types, from.types);
  mergeCounts(into.formats, from.formats, 16);
  mergeCounts(into.sensitive, from.sensitive, 16);
  if (into.enum === null || from.enum === null) into.enum = null;
  else for (const value of from.enum) noteEnum(into, value);
  into.droppedProperties += from.droppedProperties;
  if (depth >= MAX_DEPTH) return;
  if (from.items !== undefined) {
    into.items ??= emptySummary();
    mergeSummary(into.items, from.items, depth + 1);
  }
  for (const key of Object.keys(from.properties)) {
    let child = into.properties[key];
    if (child === undefined) {
      if (Object.keys(into.properties).length >= MAX_PROPERTIES) {
        into.droppedProperties++;
        continue;
      }
      child = into.properties[key] = emptySummary();
    }
    mergeSummary(child, from.properties[key]!, depth + 1);
  }
}

/** A summary from untrusted JSON (a snapshot or another replica's state): shape checked, depth capped. */
export function restoreSummary(raw: unknown, depth = 0): SchemaSummary {
  const out = emptySummary();
  if (raw === null || typeof raw !== 'object') return out;
  const r = raw as Partial<SchemaSummary>;
  out.count = Number.isFinite(r.count) ? Number(r.count) : 0;
  mergeCounts(out.types, r.types);
  mergeCounts(out.formats, r.formats, 16);
  mergeCounts(out.sensitive, r.sensitive, 16);
  out.enum = Array.isArray(r.enum)
    ? r.enum.filter((v): v is string => typeof v === 'string' && ENUM_VALUE.test(v)).slice(0, MAX_ENUM)
    : null;
  out.droppedProperties = Number.isFinite(r.droppedProperties) ? Number(r.droppedProperties) : 0;
  if (depth >= MAX_DEPTH) return out;
  if (r.items !== undefined) out.items = restoreSummary(r.items, depth + 1);
  if (r.properties !== null && typeof r.properties === 'object') {
    const keys = Object.keys(r.properties).slice(0, MAX_PROPERTIES);
    const props = copyDict(r.properties, (v) => v);
    for (const key of keys) out.properties[key] = restoreSummary(props[key], depth + 1);
  }
  return out;
}

export type JsonSchema = Record<string, unknown>;

function dominant(counts: Dict<number>, total: number, share: number): string | undefined {
  for (const key of Object.keys(counts)) if (counts[key]! >= total * share) return key;
  return undefined;
}

/** The JSON Schema (2020-12, as OpenAPI 3.1 uses it) a summary describes. */
export function toJsonSchema(summary: SchemaSummary): JsonSchema {
  const out: JsonSchema = {};
  const types = Object.keys(summary.types).sort();
  // An integer field that was sometimes fractional is a number.
  const merged = types.includes('number') ? types.filter((t) => t !== 'integer') : types;
  if (merged.length === 1) out.type = merged[0];
  else if (merged.length > 1) out.type = merged;
  const strings = summary.types.string ?? 0;
  const format = strings > 0 ? dominant(summary.formats, strings, 0.9) : dominant(summary.formats, summary.types.integer ?? 0, 0.01);
  if (format !== undefined) out.format = format;
  if (
    summary.enum !== null &&
    summary.enum.length > 1 &&
    summary.count >= ENUM_MIN_COUNT &&
    merged.length === 1 &&
    merged[0] === 'string'
  ) {
    out.enum = [...summary.enum].sort();
  }
  const objects = summary.types.object ?? 0;
  const keys = Object.keys(summary.properties);
  if (keys.length > 0) {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const key of keys.sort()) {
      const child = summary.properties[key]!;
      Object.defineProperty(properties, key, { value: toJsonSchema(child), enumerable: true, writable: true, configurable: true });
      if (objects > 0 && child.count >= objects * REQUIRED_SHARE) required.push(key);
    }
    out.properties = properties;
    if (required.length > 0) out.required = required;
  }
  if (summary.items !== undefined) out.items = toJsonSchema(summary.items);
  const classes = Object.keys(summary.sensitive).sort();
  if (classes.length > 0) out['x-gatewarden-sensitive'] = classes;
  return out;
}
