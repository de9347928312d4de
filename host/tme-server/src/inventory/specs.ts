// The operator's OpenAPI documents (3.0 or 3.1): which operations exist, and
// whether an exchange fits its operation. Checks an exchange for drift —
// an unknown query parameter, a value of the wrong type, a missing required
// parameter or field — walking the documented schema and the value together,
// to MAX_DEPTH levels. Findings name the place and the types, never a value.
import { MAX_SEGMENTS, splitPath } from './path-template.ts';
import { jsonType } from './schema.ts';

const MAX_OPERATIONS = 5000;
const MAX_DEPTH = 8;
const MAX_REF_HOPS = 16;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export class SpecError extends Error {}

type Schema = Record<string, unknown>;

export interface Operation {
  /** "GET /users/{id}" */
  key: string;
  method: string;
  path: string;
  /** Literal segments, null for a parameter. */
  segments: (string | null)[];
  query: Map<string, { required: boolean; schema: Schema | undefined }>;
  requestBody: Schema | undefined;
  bodyRequired: boolean;
}

export interface DriftFinding {
  kind: 'unknown-parameter' | 'wrong-type' | 'missing-required';
  location: string;
  expected?: string;
  got?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Follows local $refs (#/components/...), a bounded number of hops. */
function resolve(doc: Record<string, unknown>, value: unknown): unknown {
  let current = value;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops >= MAX_REF_HOPS) return undefined;
    const ref = current.$ref;
    if (!ref.startsWith('#/')) return undefined;
    let target: unknown = doc;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) && Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    }
    current = target;
  }
  return current;
}

/** A copy of a schema with its local $refs inlined, to MAX_DEPTH levels (deeper parts become {}). */
function inline(doc: Record<string, unknown>, value: unknown, depth = 0): Schema | undefined {
  const schema = resolve(doc, value);
  if (!isObject(schema)) return undefined;
  if (depth >= MAX_DEPTH) return {};
  const out: Schema = { ...schema };
  if (isObject(schema.properties)) {
    const props: Record<string, Schema> = Object.create(null);
    for (const key of Object.keys(schema.properties)) props[key] = inline(doc, schema.properties[key], depth + 1) ?? {};
    out.properties = props;
  }
  if (schema.items !== undefined) out.items = inline(doc, schema.items, depth + 1);
  for (const combiner of ['allOf', 'oneOf', 'anyOf']) {
    if (Array.isArray(schema[combiner])) out[combiner] = (schema[combiner] as unknown[]).map((s) => inline(doc, s, depth + 1) ?? {});
  }
  return out;
}

function operationsOf(doc: unknown): Operation[] {
  if (!isObject(doc) || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new SpecError('expected an OpenAPI 3.x document (an object with "openapi": "3.x" and "paths")');
  }
  if (!isObject(doc.paths)) throw new SpecError('expected "paths" to be an object');
  const out: Operation[] = [];
  for (const path of Object.keys(doc.paths)) {
    if (!path.startsWith('/')) throw new SpecError(`path "${path}": expected to start with /`);
    const item = resolve(doc, doc.paths[path]);
    if (!isObject(item)) continue;
    const segments = splitPath(path).map((s) => (s.startsWith('{') && s.endsWith('}') ? null : s));
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = resolve(doc, item[method]);
      if (!isObject(op)) continue;
      const query = new Map<string, { required: boolean; schema: Schema | undefined }>();
      for (const p of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const param = resolve(doc, p);
        if (isObject(param) && param.in === 'query' && typeof param.name === 'string') {
          query.set(param.name, { required: param.required === true, schema: inline(doc, param.schema) });
        }
      }
      const body = resolve(doc, op.requestBody);
      let requestBody: Schema | undefined;
      if (isObject(body) && isObject(body.content)) {
        const jsonKey =
          Object.keys(body.content).find((ct) => ct.includes('json')) ?? Object.keys(body.content).find((ct) => ct.includes('form'));
        const media = jsonKey === undefined ? undefined : resolve(doc, body.content[jsonKey]);
        if (isObject(media)) requestBody = inline(doc, media.schema);
      }
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        segments,
        query,
        requestBody,
        bodyRequired: isObject(body) && body.required === true,
      });
    }
  }
  return out;
}

function typeMatches(expected: string, got: string): boolean {
  return expected === got || (expected === 'number' && got === 'integer');
}

function expectedTypes(schema: Schema): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

function nullable(schema: Schema): boolean {
  return schema.nullable === true;
}

/** Walks `value` against `schema` (bounded depth), adding findings. Combiners (oneOf…) are not judged. */
function checkValue(schema: Schema | undefined, value: unknown, location: string, findings: DriftFinding[], depth: number): void {
  if (schema === undefined || depth > MAX_DEPTH || findings.length >= 8) return;
  const got = jsonType(value);
  const types = expectedTypes(schema);
  if (types !== undefined && !types.some((t) => typeMatches(t, got)) && !(got === 'null' && nullable(schema))) {
    findings.push({ kind: 'wrong-type', location, expected: types.join('|'), got });
    return;
  }
  if (got === 'object' && isObject(schema.properties)) {
    const object = value as Record<string, unknown>;
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) {
        if (typeof name === 'string' && !Object.prototype.hasOwnProperty.call(object, name)) {
          findings.push({ kind: 'missing-required', location: `${location}.${name}` });
        }
      }
    }
    const props = schema.properties as Record<string, Schema>;
    for (const key of Object.keys(object)) {
      if (findings.length >= 8) return;
      if (Object.prototype.hasOwnProperty.call(props, key)) checkValue(props[key], object[key], `${location}.${key}`, findings, depth + 1);
      else if (schema.additionalProperties === false) findings.push({ kind: 'unknown-parameter', location: `${location}.${key}` });
    }
  } else if (got === 'array' && isObject(schema.items)) {
    const items = value as unknown[];
    for (let i = 0; i < items.length && i < 16; i++) checkValue(schema.items, items[i], `${location}[]`, findings, depth + 1);
  }
}

export class SpecIndex {
  readonly loadedAt: number;

  private constructor(
    readonly documents: readonly unknown[],
    readonly operations: readonly Operation[],
    loadedAt: number,
  ) {
    this.loadedAt = loadedAt;
  }

  static empty(): SpecIndex {
    return new SpecIndex([], [], Date.now());
  }

  /** Throws SpecError naming the document and the problem. */
  static load(documents: readonly unknown[], loadedAt = Date.now()): SpecIndex {
    const operations: Operation[] = [];
    documents.forEach((doc, i) => {
      try {
        operations.push(...operationsOf(doc));
      } catch (error) {
        if (error instanceof SpecError) throw new SpecError(`document ${i}: ${error.message}`);
        throw error;
      }
    });
    if (operations.length > MAX_OPERATIONS) throw new SpecError(`more than ${MAX_OPERATIONS} operations`);
    return new SpecIndex(documents, operations, loadedAt);
  }

  get loaded(): boolean {
    return this.documents.length > 0;
  }

  /**
   * The documented operation for a method and path segments (null = a learned parameter, which only
   * a documented parameter matches). The candidate with the most literal matches wins.
   */
  match(method: string, segments: readonly (string | null)[]): Operation | undefined {
    let best: Operation | undefined;
    let bestScore = -1;
    if (segments.length > MAX_SEGMENTS) return undefined;
    for (const op of this.operations) {
      if (op.method !== method || op.segments.length !== segments.length) continue;
      let score = 0;
      let fits = true;
      for (let i = 0; i < segments.length && fits; i++) {
        const documented = op.segments[i];
        if (documented === null) continue;
        if (documented === segments[i]) score++;
        else fits = false;
      }
      if (fits && score > bestScore) {
        best = op;
        bestScore = score;
      }
    }
    return best;
  }

  /** Drift of one exchange against its operation. */
  static drift(op: Operation, query: Record<string, unknown>, body: unknown, hasBody: boolean): DriftFinding[] {
    const findings: DriftFinding[] = [];
    for (const name of Object.keys(query)) {
      const param = op.query.get(name);
      if (param === undefined) findings.push({ kind: 'unknown-parameter', location: `query.${name}` });
      // A query value is text: one that spells a number still fits a documented string.
      else
        checkValue(
          param.schema,
          param.schema !== undefined && expectedTypes(param.schema)?.includes('string') ? String(query[name]) : query[name],
          `query.${name}`,
          findings,
          0,
        );
    }
    for (const [name, param] of op.query) {
      if (param.required && !Object.prototype.hasOwnProperty.call(query, name))
        findings.push({ kind: 'missing-required', location: `query.${name}` });
    }
    if (body !== undefined) checkValue(op.requestBody, body, 'body', findings, 0);
    else if (op.bodyRequired && !hasBody) findings.push({ kind: 'missing-required', location: 'body' });
    return findings;
  }
}

/** Template segments of a learned template: parameters as null. */
export function templateSegments(template: string): (string | null)[] {
  return splitPath(template).map((s) => (s.startsWith('{') && s.endsWith('}') ? null : s));
}
