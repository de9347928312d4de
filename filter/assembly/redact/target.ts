// Where the field redactors report what they hide: the marks of the text being written and the
// exchange's secrets, under the configured field names.
import { Mark, Marks } from "./marks";
import { NameSet } from "./names";
import { SecretSet } from "./secrets";

export class Target {
  constructor(
    public fields: NameSet,
    public marks: Marks,
    public secrets: SecretSet,
  ) {}

  /** Hides bytes [start, end) of the text at `base` and remembers them as a secret. */
  hide(base: usize, start: i32, end: i32, kind: Mark = Mark.Text): void {
    if (start >= end) return;
    this.marks.mark(start, end, kind);
    this.secrets.add(base + start, end - start);
  }
}
