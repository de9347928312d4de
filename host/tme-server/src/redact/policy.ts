// What redaction removes, decided once from configuration. Names are compared
// lower-cased: header names are case-insensitive, and field names in the wild
// come as `Password`, `password` and `PASSWORD` alike.
export const REDACTED = '[REDACTED]';

export interface RedactionPolicy {
  /** Header (and trailer) names whose values are replaced. */
  readonly headers: ReadonlySet<string>;
  /** Query parameter, form field and JSON field names whose values are replaced. */
  readonly fields: ReadonlySet<string>;
  /** Finds any of `fields` in a text, ignoring case: a body without one needs no parsing. */
  readonly anyField: RegExp | undefined;
}

function literalAlternatives(names: readonly string[]): RegExp | undefined {
  if (names.length === 0) return undefined;
  return new RegExp(names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
}

export function redactionPolicy(headers: readonly string[], fields: readonly string[]): RedactionPolicy {
  return {
    headers: new Set(headers.map((name) => name.toLowerCase())),
    fields: new Set(fields.map((name) => name.toLowerCase())),
    anyField: literalAlternatives(fields),
  };
}
