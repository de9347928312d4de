// The synchronous check: the request (and its body, when buffered) goes to the TME, which answers
// with a verdict. The request waits at most requestHandleTimeout; a failed check fails open or closed
// as allowFailureMode says, and is counted either way.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { Action } from "../policy/model";
import { Verdict } from "../policy/verdict";

export class CheckAnswer {
  verdict: Verdict | null = null;
  message: string = "";
  error: string = "";
}

/** `{"action": "allow"|"monitor"|"block", "rule"?, "category"?, "status"?, "message"?}` */
export function parseCheckAnswer(text: string): CheckAnswer {
  const answer = new CheckAnswer();
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null || root.kind != JsonKind.Object) {
    answer.error = "check answer is not a JSON object";
    return answer;
  }
  const action = root.get("action");
  if (action === null || action.kind != JsonKind.String) {
    answer.error = "check answer has no action";
    return answer;
  }
  const v = new Verdict();
  if (action.text == "allow") v.action = Action.Allow;
  else if (action.text == "monitor") v.action = Action.Monitor;
  else if (action.text == "block") v.action = Action.Block;
  else {
    answer.error = 'check answer has an unknown action "' + action.text + '"';
    return answer;
  }
  v.rule = stringOr(root.get("rule"), "tme-check");
  v.category = stringOr(root.get("category"), "check");
  v.location = stringOr(root.get("location"), "");
  v.snippet = stringOr(root.get("snippet"), "");
  const status = root.get("status");
  if (status !== null && status.kind == JsonKind.Number) v.status = <i32>status.number;
  answer.message = stringOr(root.get("message"), "");
  answer.verdict = v;
  return answer;
}

function stringOr(v: JsonValue | null, fallback: string): string {
  return v !== null && v.kind == JsonKind.String ? v.text : fallback;
}
