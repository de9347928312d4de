// Path templates: which segments of a request path are identifiers. A segment
// that looks like an id (integer, UUID, hex or base64 token, date, e-mail) is a
// parameter at once; a position under a common parent that keeps getting new
// literal values is turned into a parameter once it has seen too many of them.
// Pinned templates from the operator win over both. Every check is a linear
// scan or an anchored character-class pattern, on a length-capped segment.

export const MAX_SEGMENTS = 32;
const MAX_SEGMENT_CHARS = 256;

const INTEGER = /^-?\d+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX = /^[0-9a-fA-F]{8,}$/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+Z-]*)?$/;
const TOKEN_CHARS = /^[A-Za-z0-9_=+.~-]+$/;

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function hasLetter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}

/** Whether text[start, end) is a short integer, as INTEGER tests it: read in place, no string built. */
function isInteger(text: string, start: number, end: number): boolean {
  if (end - start > MAX_SEGMENT_CHARS) return false;
  if (text.charCodeAt(start) === 0x2d) start++;
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** True when a path segment is an identifier by its shape alone. */
export function looksLikeId(segment: string): boolean {
  if (segment.length > MAX_SEGMENT_CHARS) return true;
  // Every id shape but the e-mail has a digit: plain words are answered without a pattern.
  if (!hasDigit(segment)) return segment.includes('@') && segment.includes('.');
  if (INTEGER.test(segment) || UUID.test(segment) || DATE.test(segment)) return true;
  if (HEX.test(segment) && hasDigit(segment)) return true;
  if (segment.includes('@') && segment.includes('.')) return true;
  // Long random tokens (base64/base64url ids, slugs with a hash): letters and digits mixed.
  return segment.length >= 16 && TOKEN_CHARS.test(segment) && hasDigit(segment) && hasLetter(segment);
}

/** Splits a path into its segments, at most MAX_SEGMENTS (the rest joins the last one). */
export function splitPath(path: string): string[] {
  const segments = path.split('/', MAX_SEGMENTS + 2);
  segments.shift();
  if (segments.length > MAX_SEGMENTS) segments.length = MAX_SEGMENTS;
  return segments;
}

function singular(word: string): string {
  const clean = word.replace(/[^A-Za-z0-9]/g, '');
  if (clean === '') return '';
  if (clean.endsWith('ies') && clean.length > 3) return `${clean.slice(0, -3)}y`;
  if (clean.endsWith('s') && !clean.endsWith('ss') && clean.length > 1) return clean.slice(0, -1);
  return clean;
}

/** A template's shape: its literal segments, null for each {parameter}. */
export function templateShape(template: string): (string | null)[] {
  return splitPath(template).map((s) => (PARAM.test(s) ? null : s));
}

/** Names the parameters of a template: `{id}` after a root, `{orderId}` after "orders". */
export function nameParameters(segments: readonly (string | null)[]): string {
  const used = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment !== null && segment !== undefined) {
      out.push(segment);
      continue;
    }
    const before = segments[i - 1];
    const stem = typeof before === 'string' ? singular(before) : '';
    let name = stem === '' ? 'id' : `${stem}Id`;
    for (let n = 2; used.has(name); n++) name = `${stem === '' ? 'id' : `${stem}Id`}${n}`;
    used.add(name);
    out.push(`{${name}}`);
  }
  return `/${out.join('/')}`;
}

export interface PinnedTemplate {
  template: string;
  /** Literal segments, null where the template has a parameter. */
  segments: (string | null)[];
}

const PARAM = /^\{[A-Za-z_][A-Za-z0-9_.-]*\}$/;

export class TemplateError extends Error {}

export function parseTemplate(template: string): PinnedTemplate {
  if (!template.startsWith('/')) throw new TemplateError(`template "${template}": expected a path starting with /`);
  const segments = splitPath(template).map((s) => (PARAM.test(s) ? null : s));
  if (segments.some((s) => s !== null && (s.includes('{') || s.includes('}')))) {
    throw new TemplateError(`template "${template}": a parameter is a whole segment such as {userId}`);
  }
  return { template, segments };
}

/** Parses the pinned templates: one per line or comma-separated; blank lines and # comments skipped. */
export function parseTemplateList(text: string): PinnedTemplate[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
    .map(parseTemplate);
}

function matchesPinned(pinned: PinnedTemplate, segments: readonly string[]): boolean {
  if (pinned.segments.length !== segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const literal = pinned.segments[i];
    if (literal !== null && literal !== segments[i]) return false;
  }
  return true;
}

interface Node {
  literals: Map<string, Node>;
  param: Node | undefined;
  /** Set once this position has seen more distinct literals than the threshold. */
  collapsed: boolean;
  /** The template of paths ending here: the walk from the root fixes the shape, so it is named once. */
  template: string | undefined;
}

function node(): Node {
  return { literals: new Map(), param: undefined, collapsed: false, template: undefined };
}

export interface TemplaterOptions {
  pinned: readonly PinnedTemplate[];
  /** Distinct literal values under one parent past which the position becomes a parameter. */
  distinctThreshold: number;
  /** Trie nodes kept per host; past it, new literals become parameters. */
  maxNodes: number;
}

/** Learns the templates of one host. Memory: at most maxNodes trie nodes. */
export class HostTemplater {
  private readonly root = node();
  private nodes = 1;

  constructor(private readonly options: TemplaterOptions) {}

  /** Shapes (literal segments, null for parameters) of positions that became parameters since the last call. */
  private collapses: (string | null)[][] = [];

  /**
   * `learnLiterals` false (an exchange the upstream or the gateway refused): a segment not known yet is
   * read as a parameter and learns nothing, so a scanner's 404s cannot collapse a host's real literals.
   */
  template(path: string, learnLiterals = true): string {
    return (this.options.pinned.length === 0 ? this.known(path) : undefined) ?? this.learn(path, learnLiterals);
  }

  /**
   * The template of a path whose walk changes nothing (every literal known, every node named): the
   * common case, walked without splitting the path, and without a string for an integer segment.
   * Undefined when the walk would change the trie; learn() then walks it again, changing it.
   */
  private known(path: string): string | undefined {
    if (path.charCodeAt(0) !== 0x2f) return undefined;
    let at: Node | undefined = this.root;
    let segments = 0;
    for (let start = 1; ; ) {
      if (++segments > MAX_SEGMENTS) return undefined;
      let end = path.indexOf('/', start);
      if (end < 0) end = path.length;
      if (at.collapsed || isInteger(path, start, end)) at = at.param;
      else {
        const segment = path.slice(start, end);
        at = looksLikeId(segment) ? at.param : at.literals.get(segment);
      }
      if (at === undefined) return undefined;
      if (end === path.length) return at.template;
      start = end + 1;
    }
  }

  private learn(path: string, learnLiterals: boolean): string {
    const segments = splitPath(path);
    for (const pinned of this.options.pinned) if (matchesPinned(pinned, segments)) return pinned.template;
    const shape: (string | null)[] = [];
    let at = this.root;
    for (const segment of segments) {
      let next: Node | undefined;
      // Once a position has collapsed, every value there is the parameter, the earlier literals too.
      if (!at.collapsed && !looksLikeId(segment)) {
        next = at.literals.get(segment);
        if (next === undefined && learnLiterals) {
          if (at.literals.size >= this.options.distinctThreshold || this.nodes >= this.options.maxNodes) {
            at.collapsed = true;
            this.collapses.push([...shape]);
          } else {
            next = node();
            this.nodes++;
            at.literals.set(segment, next);
          }
        }
      }
      if (next !== undefined) {
        shape.push(segment);
      } else {
        if (at.param === undefined) {
          at.param = node();
          this.nodes++;
        }
        next = at.param;
        shape.push(null);
      }
      at = next;
    }
    at.template ??= nameParameters(shape);
    return at.template;
  }

  takeCollapses(): (string | null)[][] {
    const out = this.collapses;
    // Asked for every exchange and almost always empty: a new array only after a collapse.
    if (out.length > 0) this.collapses = [];
    return out;
  }

  /** Replays a known template (from a snapshot or another replica) so its literals and parameters are kept. */
  seed(template: string): void {
    let at = this.root;
    for (const segment of splitPath(template)) {
      if (PARAM.test(segment)) {
        if (at.param === undefined) {
          at.param = node();
          this.nodes++;
        }
        at = at.param;
        continue;
      }
      if (at.collapsed) return;
      let next = at.literals.get(segment);
      if (next === undefined) {
        if (at.literals.size >= this.options.distinctThreshold || this.nodes >= this.options.maxNodes) return;
        next = node();
        this.nodes++;
        at.literals.set(segment, next);
      }
      at = next;
    }
  }
}
