// What redaction removes, decided once from configuration. Names are compared
// lower-cased: header names are case-insensitive, and field names in the wild
// come as `Password`, `password` and `PASSWORD` alike.
export const REDACTED = '[REDACTED]';

export interface RedactionPolicy {
  /** Header (and trailer) names whose values are replaced. */
  readonly headers: ReadonlySet<string>;
  /** Query parameter, form field and JSON field names whose values are replaced. */
  readonly fields: ReadonlySet<string>;
}

export function redactionPolicy(headers: readonly string[], fields: readonly string[]): RedactionPolicy {
  return {
    headers: new Set(headers.map((name) => name.toLowerCase())),
    fields: new Set(fields.map((name) => name.toLowerCase())),
  };
}
