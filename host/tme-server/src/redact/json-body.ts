// Redacts JSON fields by name at any depth. A complete document is parsed and
// walked, so a secret holding an object is removed whole; a truncated capture
// cannot be parsed, so a linear scan replaces the scalar values of matching keys.
import { REDACTED, type RedactionPolicy } from './policy.ts';

function walk(value: unknown, policy: RedactionPolicy): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const result = walk(item, policy);
      changed ||= result.changed;
      return result.value;
    });
    return { value: items, changed };
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (policy.fields.has(key.toLowerCase())) {
        out[key] = REDACTED;
        changed = true;
      } else {
        const result = walk(item, policy);
        changed ||= result.changed;
        out[key] = result.value;
      }
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}

/** The index just past the string opening at `quote`, or the text's end when truncation cut it short. */
function stringEnd(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

// A bare scalar ends at whitespace or structure.
function isScalar(c: number): boolean {
  return !isSpace(c) && c !== 0x2c && c !== 0x7b && c !== 0x7d && c !== 0x5b && c !== 0x5d && c !== 0x22;
}

// "key" : value, where value is a string (possibly cut short) or a bare scalar;
// objects and arrays are not replaced, their own keys are. One pass: every
// character is looked at a bounded number of times (no backtracking).
function scan(text: string, policy: RedactionPolicy): string {
  const parts: string[] = [];
  let copied = 0;
  let i = text.indexOf('"');
  while (i >= 0 && i < text.length) {
    const keyEnd = stringEnd(text, i);
    let j = keyEnd;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (keyEnd > text.length - 1 || text.charCodeAt(keyEnd - 1) !== 0x22 || text.charCodeAt(j) !== 0x3a) {
      i = text.indexOf('"', keyEnd);
      continue;
    }
    j++;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    let valueEnd = j;
    if (text.charCodeAt(j) === 0x22) valueEnd = stringEnd(text, j);
    else while (valueEnd < text.length && isScalar(text.charCodeAt(valueEnd))) valueEnd++;
    if (valueEnd > j && policy.fields.has(text.slice(i + 1, keyEnd - 1).toLowerCase())) {
      parts.push(text.slice(copied, j), `"${REDACTED}"`);
      copied = valueEnd;
    }
    i = text.indexOf('"', valueEnd > j ? valueEnd : j);
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

export function redactJson(text: string, policy: RedactionPolicy): string {
  if (policy.fields.size === 0) return text;
  // Most bodies name no secret field: one native scan instead of a parse and a walk. A key spelled
  // with \u escapes is only seen by parsing, so such bodies still take the long way.
  if (policy.anyField !== undefined && !policy.anyField.test(text) && !text.includes('\\u')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return scan(text, policy);
  }
  const result = walk(parsed, policy);
  // Leave an untouched body byte-for-byte as captured.
  return result.changed ? JSON.stringify(result.value) : text;
}
