// Turns zod issues into the one-line errors senders see, e.g.
// `records[3].request.method: expected string, received number`, so a bad
// report names the field and the reason without the reader knowing zod.
import type { z } from 'zod';

// Enough to fix a record; a record with dozens of problems is usually one wrong shape.
const MAX_ISSUES_REPORTED = 5;

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'body' : out;
}

function reason(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return / received undefined$/.test(issue.message)
      ? `required, expected ${issue.expected}`
      : issue.message.replace(/^Invalid input: /, '');
  }
  return issue.message.replace(/^Invalid input: /, '');
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string {
  const shown = issues.slice(0, MAX_ISSUES_REPORTED).map((issue) => `${fieldPath([...prefix, ...issue.path])}: ${reason(issue)}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}
