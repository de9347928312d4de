import { parseIp, parseCidr } from "../policy/ip";
import { globMatch } from "../policy/strings";
import { queryParam, formDecode } from "../policy/query";
import { parsePolicy } from "../policy/parse";
import { RequestFacts, evaluateRules, clientAddress, factsClientIp, hostOf } from "../policy/evaluate";
import { Action } from "../policy/model";
import { HeaderList, serializeHeaders } from "../http/headers";
import { parseDenyList } from "../enforce/denylist";

function inRange(cidr: string, ip: string): bool {
  return parseCidr(cidr)!.contains(parseIp(ip)!);
}

function facts(method: string, path: string, query: string, ip: string): RequestFacts {
  const f = new RequestFacts();
  f.method = method;
  f.path = path;
  f.query = query;
  f.host = "api.example";
  f.headers = new HeaderList(serializeHeaders(["x-team"], ["blue"]));
  factsClientIp(f, ip);
  return f;
}

describe("IP addresses and CIDR ranges", () => {
  it("parses IPv4, IPv6 (compressed, embedded IPv4, zone) and refuses the rest", () => {
    expect(parseIp("10.1.2.3")).not.toBeNull();
    expect(parseIp("2001:db8::1")).not.toBeNull();
    expect(parseIp("::ffff:10.1.2.3")!.lo).toBe(parseIp("10.1.2.3")!.lo);
    expect(parseIp("fe80::1%eth0")).not.toBeNull();
    expect(parseIp("::")).not.toBeNull();
    expect(parseIp("256.1.1.1")).toBeNull();
    expect(parseIp("1.2.3")).toBeNull();
    expect(parseIp("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(parseIp("1::2::3")).toBeNull();
    expect(parseIp("example.com")).toBeNull();
  });

  it("matches ranges of both families", () => {
    expect(inRange("10.0.0.0/8", "10.200.3.4")).toBe(true);
    expect(inRange("10.0.0.0/8", "11.0.0.1")).toBe(false);
    expect(inRange("192.168.1.7", "192.168.1.7")).toBe(true);
    expect(inRange("192.168.1.7", "192.168.1.8")).toBe(false);
    expect(inRange("0.0.0.0/0", "8.8.8.8")).toBe(true);
    expect(inRange("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(inRange("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(inRange("2001:db8:0:0:8000::/65", "2001:db8::8000:0:0:1")).toBe(true);
    expect(inRange("2001:db8:0:0:8000::/65", "2001:db8::1")).toBe(false);
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(parseCidr("::/129")).toBeNull();
  });
});

describe("globMatch", () => {
  it("keeps * within a segment and lets ** cross segments", () => {
    expect(globMatch("/files/*/export.*", "/files/42/export.csv")).toBe(true);
    expect(globMatch("/files/*/export.*", "/files/a/b/export.csv")).toBe(false);
    expect(globMatch("/api/**", "/api/v1/items/3")).toBe(true);
    expect(globMatch("/v?/items", "/v2/items")).toBe(true);
    expect(globMatch("/v?/items", "/v22/items")).toBe(false);
    expect(globMatch("*.json", "data.json")).toBe(true);
  });

  it("finishes quickly on inputs built to make backtracking explode", () => {
    const s = "a".repeat(10000) + "b";
    expect(globMatch("**a**a**a**a**a**c", s)).toBe(false);
  });
});

describe("query parameters", () => {
  it("decodes names and values, with + as space", () => {
    expect(queryParam("a=1&debug+mode=on&x", "debug mode")).toBe("on");
    expect(queryParam("q=caf%C3%A9%20au%2Blait", "q")).toBe("café au+lait");
    expect(queryParam("x&y=2", "x")).toBe("");
    expect(queryParam("a=1", "b")).toBeNull();
    expect(formDecode("100%")).toBe("100%");
  });
});

// AssemblyScript has no closures: the policy under test is a module-level value.
const policy = parsePolicy(
  '{"rules":[' +
    '{"id":"ok","action":"allow","match":{"path":{"exact":"/health"}}},' +
    '{"id":"watch","action":"monitor","match":{"headers":[{"name":"x-team","exact":"blue"}]}},' +
    '{"id":"office","action":"block","match":{"clientIp":["203.0.113.0/24"],"method":["DELETE"]}},' +
    '{"id":"flag","action":"block","match":{"query":[{"name":"debug","present":true}]}}]}',
).policy!;

describe("policy evaluation", () => {
  it("lets the first allow or block decide and keeps a monitor match", () => {
    expect(evaluateRules(policy, facts("GET", "/health", "debug=1", "203.0.113.5")).rule).toBe("ok");
    expect(evaluateRules(policy, facts("DELETE", "/x", "", "203.0.113.5")).rule).toBe("office");
    expect(evaluateRules(policy, facts("GET", "/x", "", "203.0.113.5")).action).toBe(Action.Monitor);
    expect(evaluateRules(policy, facts("DELETE", "/x", "", "198.51.100.1")).action).toBe(Action.Monitor);
    expect(evaluateRules(policy, facts("GET", "/x", "debug", "198.51.100.1")).rule).toBe("flag");
  });

  it("finds the client behind trusted proxies", () => {
    const h = new HeaderList(serializeHeaders(["x-forwarded-for"], ["1.1.1.1, 2.2.2.2, 3.3.3.3"]));
    expect(clientAddress("9.9.9.9", h, 0)).toBe("9.9.9.9");
    expect(clientAddress("9.9.9.9", h, 1)).toBe("3.3.3.3");
    expect(clientAddress("9.9.9.9", h, 2)).toBe("2.2.2.2");
    expect(clientAddress("9.9.9.9", h, 5)).toBe("1.1.1.1");
    // Load balancers that append a port, and entries that are not addresses at all (fewer hops than
    // configured leave the client's own text in the chosen place): the address, or the peer.
    const odd = new HeaderList(serializeHeaders(["x-forwarded-for"], ["junk' or 1=1, 203.0.113.5:4444, [2001:db8::7]:443, 198.51.100.2"]));
    expect(clientAddress("9.9.9.9", odd, 1)).toBe("198.51.100.2");
    expect(clientAddress("9.9.9.9", odd, 2)).toBe("2001:db8::7");
    expect(clientAddress("9.9.9.9", odd, 3)).toBe("203.0.113.5");
    expect(clientAddress("9.9.9.9", odd, 4)).toBe("9.9.9.9");
    expect(hostOf("API.Example:8443")).toBe("api.example");
    expect(hostOf("[2001:db8::1]:443")).toBe("2001:db8::1");
  });

  it("names the field of an invalid policy", () => {
    expect(parsePolicy('{"rateLimits":[{"id":"r","key":"cookie:x","requests":5}]}').error).toBe(
      'rateLimits[0].key: must be "clientIp" or "header:<name>", got "cookie:x"',
    );
    expect(parsePolicy('{"rules":[{"id":"a","action":"block","match":{"path":{"prefix":"/a","exact":"/b"}}}]}').error).toBe(
      "rules[0].match.path: give only one of exact, prefix, suffix, contains, glob",
    );
    expect(parsePolicy('{"rules":[{"id":"a","action":"block","match":{}},{"id":"a","action":"allow","match":{}}]}').error).toBe(
      'rules[1].id: duplicate rule id "a"',
    );
    expect(parsePolicy('{"rules":[{"id":"a","action":"block"}]}').error).toBe("rules[0].match: is required");
  });
});

describe("deny list", () => {
  it("looks clients up by address or key until the entry expires", () => {
    const list = parseDenyList(
      '{"revision":2,"keyHeader":"X-Key","entries":[{"ip":"::ffff:10.0.0.1","expiresAt":2000},{"key":"k1","expiresAt":1000}]}',
    ).list!;
    expect(list.keyHeader).toBe("x-key");
    expect(list.deniedUntil(parseIp("10.0.0.1"), "", 1500)).toBe(2000);
    expect(list.deniedUntil(parseIp("10.0.0.1"), "", 2500)).toBe(0);
    expect(list.deniedUntil(null, "k1", 999)).toBe(1000);
    expect(list.deniedUntil(parseIp("10.0.0.2"), "k2", 0)).toBe(0);
    expect(parseDenyList('{"entries":[{"ip":"nope","expiresAt":1}]}').error).toBe('entries[0].ip: not an IP address: "nope"');
  });
});
