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
  const hop = hops[index].trim();
  if (parseIp(hop) !== null) return hop;
  // Some load balancers append a port; anything else is not an address, and the peer stands in.
  if (hop.startsWith("[")) {
    const close = hop.indexOf("]:");
    if (close > 0 && isPort(hop, close + 2)) {
      const v6 = hop.substring(1, close);
      if (parseIp(v6) !== null) return v6;
    }
    return peer;
  }
  const colon = hop.indexOf(":");
  if (colon > 0 && hop.lastIndexOf(":") == colon && isPort(hop, colon + 1)) {
    const v4 = hop.substring(0, colon);
    if (parseIp(v4) !== null) return v4;
  }
  return peer;
}

/** 1 to 5 digits from `from` to the end of `s`. */
function isPort(s: string, from: i32): bool {
  const n = s.length - from;
  if (n < 1 || n > 5) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
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
