// Static policy evaluation: which rule applies to a request. Pure; rate limits and the deny list need
// shared state and live in the enforcement glue.
import { HeaderList } from "../http/headers";
import { Ip, parseIp } from "./ip";
import { Action, FieldMatch, Match, Policy, RateKey, RateLimit } from "./model";
import { queryParam } from "./query";
import { Verdict } from "./verdict";

export { Verdict } from "./verdict";

/** The parts of a request that rules look at. */
export class RequestFacts {
  method: string = "";
  /** :authority without the port, lower-cased. */
  host: string = "";
  path: string = "";
  query: string = "";
  headers: HeaderList = HeaderList.empty();
  clientIp: Ip | null = null;
  clientIpText: string = "";
}

export function hostOf(authority: string): string {
  let end = authority.length;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    return (close > 0 ? authority.substring(1, close) : authority).toLowerCase();
  }
  const colon = authority.lastIndexOf(":");
  if (colon >= 0 && authority.indexOf(":") == colon) end = colon;
  return authority.substring(0, end).toLowerCase();
}

/**
 * The client address: the peer, or with `trustedHops` = N, the N-th x-forwarded-for entry from the
 * right (the one the nearest trusted proxy saw), falling back to the leftmost when there are fewer.
 */
export function clientAddress(peer: string, headers: HeaderList, trustedHops: i32): string {
  if (trustedHops <= 0) return peer;
  const xff = headers.get("x-forwarded-for");
  if (xff.length == 0) return peer;
  const hops = xff.split(",");
  let index = hops.length - trustedHops;
  if (index < 0) index = 0;
  return hops[index].trim();
}

export function factsClientIp(f: RequestFacts, text: string): void {
  f.clientIpText = text;
  f.clientIp = parseIp(text);
}

function fieldMatches(fm: FieldMatch, value: string | null): bool {
  if (value === null) return !fm.present;
  if (!fm.present) return false;
  const vm = fm.value;
  return vm === null || vm.matches(value);
}

export function matches(m: Match, f: RequestFacts): bool {
  if (m.methods.length > 0 && !m.methods.includes(f.method)) return false;
  const host = m.host;
  if (host !== null && !host.matches(f.host)) return false;
  const path = m.path;
  if (path !== null && !path.matches(f.path)) return false;
  if (m.clientIps.length > 0) {
    const ip = f.clientIp;
    if (ip === null) return false;
    let any = false;
    for (let i = 0; i < m.clientIps.length; i++) {
      if (m.clientIps[i].contains(ip)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  for (let i = 0; i < m.headers.length; i++) {
    const fm = m.headers[i];
    const idx = f.headers.indexOf(fm.name);
    if (!fieldMatches(fm, idx < 0 ? null : f.headers.value(idx))) return false;
  }
  for (let i = 0; i < m.query.length; i++) {
    const fm = m.query[i];
    if (!fieldMatches(fm, queryParam(f.query, fm.name))) return false;
  }
  return true;
}

/**
 * Rules in order: the first `allow` or `block` that matches decides; a `monitor` match is kept (the
 * first one) and evaluation goes on. Returns a None verdict when nothing matched.
 */
export function evaluateRules(p: Policy, f: RequestFacts): Verdict {
  let monitored: Verdict | null = null;
  for (let i = 0; i < p.rules.length; i++) {
    const rule = p.rules[i];
    if (!matches(rule.match, f)) continue;
    if (rule.action == Action.Monitor) {
      if (monitored === null) monitored = Verdict.of(Action.Monitor, rule.id, "rule");
      continue;
    }
    return Verdict.of(rule.action, rule.id, "rule");
  }
  return monitored !== null ? monitored : new Verdict();
}

/** The counter key of a rate limit for this request, or "" when the request has no such key. */
export function rateKey(rl: RateLimit, f: RequestFacts): string {
  if (rl.key == RateKey.ClientIp) return f.clientIpText;
  return f.headers.get(rl.keyHeader);
}
