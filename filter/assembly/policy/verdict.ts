import { Action, actionName } from "./model";
import { JsonKey, JsonWriter } from "../json/writer";
import { Finding } from "../detect/types";
import { REDACTED } from "../redact/marks";

const KEY_ACTION = new JsonKey("action");
const KEY_CATEGORY = new JsonKey("category");
const KEY_LOCATION = new JsonKey("location");
const KEY_RULE = new JsonKey("rule");
const KEY_SNIPPET = new JsonKey("snippet");

/** What the filter decided about a request, and why; reported with its capture. */
export class Verdict {
  action: Action = Action.None;
  rule: string = "";
  category: string = "";
  location: string = "";
  snippet: string = "";
  /** The status of the local reply when blocking; 0 for the configured blocking status. */
  status: i32 = 0;
  /** From attack detection (a Finding), not a rule, a rate limit or the deny list. */
  detected: bool = false;

  static of(action: Action, rule: string, category: string): Verdict {
    const v = new Verdict();
    v.action = action;
    v.rule = rule;
    v.category = category;
    return v;
  }

  /** A detection finding under the policy's detection action. */
  static ofFinding(f: Finding, action: Action): Verdict {
    const v = Verdict.of(action, f.rule, f.category);
    v.location = f.location;
    v.snippet = f.snippet;
    v.detected = true;
    return v;
  }

  /**
   * The wire form: {"action", "rule", "category", "location"?, "snippet"?}; `hideSnippet` when the
   * snippet shows a redacted value (redact/snippet.ts).
   */
  write(w: JsonWriter, hideSnippet: bool = false): void {
    w.beginObject();
    w.encodedKey(KEY_ACTION);
    w.string(actionName(this.action));
    w.encodedKey(KEY_RULE);
    w.string(this.rule);
    w.encodedKey(KEY_CATEGORY);
    w.string(this.category);
    if (this.location.length > 0) {
      w.encodedKey(KEY_LOCATION);
      w.string(this.location);
    }
    if (this.snippet.length > 0) {
      w.encodedKey(KEY_SNIPPET);
      w.string(hideSnippet ? REDACTED : this.snippet);
    }
    w.endObject();
  }
}
