// The dynamic deny list the TME serves: clients (IP addresses or API keys) refused until their entry
// expires. Held as hash maps so each request costs O(1) lookups. Pure: the polling lives in control.ts.
import { JsonKind, parseJson } from "../json/parse";
import { Ip, parseIp } from "../policy/ip";

export class DenyList {
  revision: i64 = 0;
  /** Header whose value is the client's key (e.g. an API key). */
  keyHeader: string = "x-api-key";
  private ips: Map<string, u64> = new Map();
  private keys: Map<string, u64> = new Map();

  get size(): i32 {
    return this.ips.size + this.keys.size;
  }

  /** Until when (unix ms) the client is denied; 0 when it is not. */
  deniedUntil(ip: Ip | null, key: string, nowMs: u64): u64 {
    if (ip !== null) {
      const k = ipKey(ip);
      if (this.ips.has(k)) {
        const until = this.ips.get(k);
        if (until > nowMs) return until;
      }
    }
    if (key.length > 0 && this.keys.has(key)) {
      const until = this.keys.get(key);
      if (until > nowMs) return until;
    }
    return 0;
  }

  addIp(ip: Ip, untilMs: u64): void {
    this.ips.set(ipKey(ip), untilMs);
  }

  addKey(key: string, untilMs: u64): void {
    this.keys.set(key, untilMs);
  }
}

/** A canonical text for an address, so that "::ffff:1.2.3.4" and "1.2.3.4" are the same entry. */
export function ipKey(ip: Ip): string {
  return ip.hi.toString(16) + "/" + ip.lo.toString(16);
}

export class DenyListResult {
  list: DenyList | null = null;
  error: string = "";
}

/** `{"revision": 3, "keyHeader": "x-api-key", "entries": [{"ip": "1.2.3.4", "expiresAt": 1700000000000}, {"key": "k", "expiresAt": …}]}` */
export function parseDenyList(text: string): DenyListResult {
  const result = new DenyListResult();
  const parsed = parseJson(text);
  const root = parsed.value;
  if (root === null || root.kind != JsonKind.Object) {
    result.error = "deny list is not a JSON object" + (parsed.error.length > 0 ? ": " + parsed.error : "");
    return result;
  }
  const list = new DenyList();
  const rev = root.get("revision");
  if (rev !== null && rev.kind == JsonKind.Number) list.revision = <i64>rev.number;
  const kh = root.get("keyHeader");
  if (kh !== null && kh.kind == JsonKind.String && kh.text.length > 0) list.keyHeader = kh.text.toLowerCase();
  const entries = root.get("entries");
  if (entries === null || entries.kind != JsonKind.Array) {
    result.error = "entries: expected an array";
    return result;
  }
  for (let i = 0; i < entries.items.length; i++) {
    const e = entries.items[i];
    const name = "entries[" + i.toString() + "]";
    if (e.kind != JsonKind.Object) {
      result.error = name + ": expected an object";
      return result;
    }
    const exp = e.get("expiresAt");
    if (exp === null || exp.kind != JsonKind.Number || exp.number < 0) {
      result.error = name + ".expiresAt: expected a unix time in milliseconds";
      return result;
    }
    const until = <u64>exp.number;
    const ipv = e.get("ip");
    const keyv = e.get("key");
    if (ipv !== null && ipv.kind == JsonKind.String) {
      const ip = parseIp(ipv.text);
      if (ip === null) {
        result.error = name + '.ip: not an IP address: "' + ipv.text + '"';
        return result;
      }
      list.addIp(ip, until);
    } else if (keyv !== null && keyv.kind == JsonKind.String && keyv.text.length > 0) {
      list.addKey(keyv.text, until);
    } else {
      result.error = name + ': expected "ip" or "key"';
      return result;
    }
  }
  result.list = list;
  return result;
}
