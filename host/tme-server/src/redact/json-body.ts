// Redacts JSON fields by name at any depth. A complete document is parsed and
// walked, so a secret holding an object is removed whole; a truncated capture
// cannot be parsed, so a scan replaces the scalar values of matching keys.
import { REDACTED, type RedactionPolicy } from './policy.ts';

// "key" : value, where value is a string (possibly cut short by truncation) or a
// bare scalar; objects and arrays are not matched, their own keys are.
const KEY_VALUE = /"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,{}[\]"]+)/g;

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

function scan(text: string, policy: RedactionPolicy): string {
  return text.replace(KEY_VALUE, (match, key: string, colon: string) =>
    policy.fields.has(key.toLowerCase()) ? `"${key}"${colon}"${REDACTED}"` : match,
  );
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
