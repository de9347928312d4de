// Policy JSON → Policy, with the first error named by its path (e.g. "rules[2].match.clientIp[0]").
// The TME validates policies before serving them; the filter validates again and keeps its last good
// policy when a new one fails.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { FieldReader } from "../json/fields";
import { parseCidr } from "./ip";
import { StringMatch, StringMatchKind } from "./strings";
import { allCategories } from "../detect/types";
import { Action, Detection, FieldMatch, Match, Policy, RateKey, RateLimit, Rule, SyncCheck } from "./model";

export class PolicyResult {
  policy: Policy | null = null;
  error: string = "";
  warnings: Array<string> = [];
}

const CATEGORIES = allCategories();
const POLICY_KEYS: Array<string> = ["name", "revision", "clientIp", "blocking", "detection", "rules", "rateLimits", "syncCheck"];
const MATCH_KEYS: Array<string> = ["clientIp", "method", "host", "path", "headers", "query"];
const STRING_KINDS: Array<string> = ["exact", "prefix", "suffix", "contains", "glob"];

class PolicyReader extends FieldReader {
  action(obj: JsonValue, name: string, allowed: Array<string>, fallback: Action): Action {
    const text = this.str(obj, "action", name, "");
    if (text.length == 0) return fallback;
    if (!allowed.includes(text)) {
      this.fail(name, "must be one of " + allowed.join(", ") + ', got "' + text + '"');
      return fallback;
    }
    if (text == "allow") return Action.Allow;
    if (text == "monitor") return Action.Monitor;
    if (text == "block") return Action.Block;
    return Action.None;
  }

  stringMatch(v: JsonValue, name: string): StringMatch | null {
    if (v.kind == JsonKind.String) return new StringMatch(StringMatchKind.Exact, v.text, false);
    if (v.kind != JsonKind.Object) {
      this.fail(name, 'expected a string or an object such as {"prefix": "/api"}, got ' + v.kindName());
      return null;
    }
    let found = -1;
    for (let k = 0; k < STRING_KINDS.length; k++) {
      if (v.get(STRING_KINDS[k]) === null) continue;
      if (found >= 0) {
        this.fail(name, "give only one of " + STRING_KINDS.join(", "));
        return null;
      }
      found = k;
    }
    if (found < 0) {
      this.fail(name, "expected one of " + STRING_KINDS.join(", "));
      return null;
    }
    const key = STRING_KINDS[found];
    const value = this.str(v, key, name + "." + key, "", key != "exact");
    const ignoreCase = this.boolean(v, "ignoreCase", name + ".ignoreCase", false);
    return new StringMatch(<StringMatchKind>found, value, ignoreCase);
  }

  fields(obj: JsonValue, key: string, name: string, lowerNames: bool): Array<FieldMatch> {
    const out = new Array<FieldMatch>();
    const v = obj.get(key);
    if (v === null) return out;
    if (v.kind != JsonKind.Array) {
      this.fail(name, "expected an array, got " + v.kindName());
      return out;
    }
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      const itemName = name + "[" + i.toString() + "]";
      if (item.kind != JsonKind.Object) {
        this.fail(itemName, "expected an object, got " + item.kindName());
        return out;
      }
      let fieldName = this.str(item, "name", itemName + ".name", "");
      if (fieldName.length == 0) this.fail(itemName + ".name", "is required");
      if (lowerNames) fieldName = fieldName.toLowerCase();
      const present = this.boolean(item, "present", itemName + ".present", true);
      let value: StringMatch | null = null;
      for (let k = 0; k < STRING_KINDS.length; k++) {
        if (item.get(STRING_KINDS[k]) !== null) {
          value = this.stringMatch(item, itemName);
          break;
        }
      }
      if (value !== null && !present) this.fail(itemName, 'a value match cannot be combined with "present": false');
      out.push(new FieldMatch(fieldName, value, present));
    }
    return out;
  }

  match(v: JsonValue, name: string): Match {
    const m = new Match();
    if (v.kind != JsonKind.Object) {
      this.fail(name, "expected an object, got " + v.kindName());
      return m;
    }
    this.checkKeys(v, MATCH_KEYS, name + ".");
    const ips = this.strings(v, "clientIp", name + ".clientIp", [], false);
    for (let i = 0; i < ips.length; i++) {
      const cidr = parseCidr(ips[i]);
      if (cidr === null) {
        this.fail(name + ".clientIp[" + i.toString() + "]", 'not an IP address or CIDR range: "' + ips[i] + '"');
        break;
      }
      m.clientIps.push(cidr);
    }
    const methods = this.strings(v, "method", name + ".method", [], false);
    for (let i = 0; i < methods.length; i++) m.methods.push(methods[i].toUpperCase());
    const host = v.get("host");
    if (host !== null) m.host = this.stringMatch(host, name + ".host");
    const path = v.get("path");
    if (path !== null) m.path = this.stringMatch(path, name + ".path");
    m.headers = this.fields(v, "headers", name + ".headers", true);
    m.query = this.fields(v, "query", name + ".query", false);
    return m;
  }

  rules(root: JsonValue, p: Policy): void {
    const v = root.get("rules");
    if (v === null) return;
    if (v.kind != JsonKind.Array) {
      this.fail("rules", "expected an array, got " + v.kindName());
      return;
    }
    const seen = new Set<string>();
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      const name = "rules[" + i.toString() + "]";
      if (item.kind != JsonKind.Object) {
        this.fail(name, "expected an object, got " + item.kindName());
        return;
      }
      this.checkKeys(item, ["id", "action", "match"], name + ".");
      const id = this.str(item, "id", name + ".id", "");
      if (id.length == 0) this.fail(name + ".id", "is required");
      if (seen.has(id)) this.fail(name + ".id", 'duplicate rule id "' + id + '"');
      seen.add(id);
      const action = this.action(item, name + ".action", ["allow", "monitor", "block"], Action.None);
      if (action == Action.None) this.fail(name + ".action", "is required (allow, monitor or block)");
      const mv = item.get("match");
      if (mv === null) this.fail(name + ".match", "is required");
      const match = mv === null ? new Match() : this.match(mv, name + ".match");
      p.rules.push(new Rule(id, action, match));
    }
  }

  rateLimits(root: JsonValue, p: Policy): void {
    const v = root.get("rateLimits");
    if (v === null) return;
    if (v.kind != JsonKind.Array) {
      this.fail("rateLimits", "expected an array, got " + v.kindName());
      return;
    }
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      const name = "rateLimits[" + i.toString() + "]";
      if (item.kind != JsonKind.Object) {
        this.fail(name, "expected an object, got " + item.kindName());
        return;
      }
      this.checkKeys(item, ["id", "key", "requests", "window", "action", "statusCode", "match"], name + ".");
      const rl = new RateLimit();
      rl.id = this.str(item, "id", name + ".id", "");
      if (rl.id.length == 0) this.fail(name + ".id", "is required");
      const key = this.str(item, "key", name + ".key", "clientIp");
      if (key == "clientIp") {
        rl.key = RateKey.ClientIp;
      } else if (key.startsWith("header:") && key.length > 7) {
        rl.key = RateKey.Header;
        rl.keyHeader = key.substring(7).toLowerCase();
      } else {
        this.fail(name + ".key", 'must be "clientIp" or "header:<name>", got "' + key + '"');
      }
      if (item.get("requests") === null) this.fail(name + ".requests", "is required");
      rl.requests = <u32>this.int(item, "requests", name + ".requests", 1, 1, 1000000000);
      rl.windowMs = <u64>this.duration(item, "window", name + ".window", 60000, 100, 86400000);
      rl.action = this.action(item, name + ".action", ["monitor", "block"], Action.Block);
      rl.statusCode = this.int(item, "statusCode", name + ".statusCode", 429, 400, 499);
      const mv = item.get("match");
      if (mv !== null) rl.match = this.match(mv, name + ".match");
      p.rateLimits.push(rl);
    }
  }

  detection(root: JsonValue, p: Policy): void {
    const v = root.get("detection");
    if (v === null) return;
    if (v.kind == JsonKind.Bool && !v.boolean) {
      p.detection = null;
      return;
    }
    const o = this.object(root, "detection", "detection");
    if (o === null) return;
    this.checkKeys(o, ["action", "categories", "headers"], "detection.");
    const d = new Detection();
    d.action = this.action(o, "detection.action", ["monitor", "block"], d.action);
    d.categories = this.strings(o, "categories", "detection.categories", d.categories, true);
    for (let i = 0; i < d.categories.length; i++) {
      if (!CATEGORIES.includes(d.categories[i])) {
        this.fail(
          "detection.categories[" + i.toString() + "]",
          'unknown category "' + d.categories[i] + '" (known: ' + CATEGORIES.join(", ") + ")",
        );
      }
    }
    d.headers = this.strings(o, "headers", "detection.headers", d.headers, true);
    p.detection = d;
  }
}

export function parsePolicyValue(root: JsonValue): PolicyResult {
  const result = new PolicyResult();
  if (root.kind != JsonKind.Object) {
    result.error = "policy must be a JSON object, got " + root.kindName();
    return result;
  }
  const r = new PolicyReader();
  const p = new Policy();
  r.checkKeys(root, POLICY_KEYS, "");
  p.name = r.str(root, "name", "name", p.name);
  p.revision = <i64>r.int(root, "revision", "revision", 0, 0, I32.MAX_VALUE);
  const clientIp = r.object(root, "clientIp", "clientIp");
  if (clientIp !== null) p.trustedHops = r.int(clientIp, "trustedHops", "clientIp.trustedHops", 0, 0, 16);
  const blocking = r.object(root, "blocking", "blocking");
  if (blocking !== null) {
    p.blockingStatusCode = r.int(blocking, "statusCode", "blocking.statusCode", 0, 100, 599);
    p.blockingMessage = r.str(blocking, "message", "blocking.message", "", true);
    p.revealRule = r.boolean(blocking, "revealRule", "blocking.revealRule", false);
  }
  r.detection(root, p);
  r.rules(root, p);
  r.rateLimits(root, p);
  const sync = r.object(root, "syncCheck", "syncCheck");
  if (sync !== null) {
    const sc = new SyncCheck();
    const mv = sync.get("match");
    sc.match = mv === null ? new Match() : r.match(mv, "syncCheck.match");
    sc.includeBody = r.boolean(sync, "includeBody", "syncCheck.includeBody", false);
    p.syncCheck = sc;
  }
  result.warnings = r.warnings;
  if (r.error.length > 0) {
    result.error = r.error;
    return result;
  }
  result.policy = p;
  return result;
}

export function parsePolicy(text: string): PolicyResult {
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null) {
    const result = new PolicyResult();
    result.error = "policy is not valid JSON: " + parsed.error;
    return result;
  }
  return parsePolicyValue(root);
}
