// Where findings are reported, options, and linear time on hostile inputs.
import { request, percentEncode } from "../detect/testing";
import { DetectOptions, inspectRequest, Finding } from "../detect/engine";

function check(path: string, query: string, names: Array<string>, values: Array<string>, ct: string, body: string): Finding | null {
  return inspectRequest(request(path, query, names, values, ct, body), new DetectOptions());
}

describe("locations", () => {
  it("names the query parameter, the query name, the path", () => {
    expect(check("/", "a=1&search=" + percentEncode("' or 1=1--"), [], [], "", "")!.location).toBe("query:search");
    expect(check("/", percentEncode("<script>alert(1)</script>") + "=1", [], [], "", "")!.location).toBe("query-name");
    expect(check("/files/..%2f..%2fetc%2fpasswd", "", [], [], "", "")!.location).toBe("path");
  });

  it("judges a path segment that decodes to an absolute path as a value, not the URL path itself", () => {
    expect(check("/p/%2F.%2F%2F.%2Fx", "", [], [], "", "")!.rule).toBe("traversal.padded-root");
    expect(check("/p/%2Fvar%2Flib%2Fx", "", [], [], "", "")!.rule).toBe("traversal.absolute-path");
    expect(check("/var/lib/x", "", [], [], "", "")).toBeNull();
    expect(check("/lib/jquery.js", "", [], [], "", "")).toBeNull();
  });

  it("inspects cookie names and header names as carefully as values", () => {
    expect(check("/", "", ["cookie"], ["a=1; " + percentEncode("' union select password from users--") + "=1"], "", "")!.location).toBe(
      "cookie-name",
    );
    expect(check("/", "", ["x-a'or'1'='1"], ["1"], "", "")!.location).toBe("header-name");
    expect(
      check("/", "", ["x-forwarded-for", "accept-language", "x-b3-traceid", "sec-ch-ua-mobile"], ["1.2.3.4", "en", "1", "?0"], "", ""),
    ).toBeNull();
  });

  it("names the cookie and the header", () => {
    const f = check("/", "", ["cookie"], ["a=1; session=" + percentEncode("1' union select 1--")], "", "")!;
    expect(f.location).toBe("cookie:session");
    expect(check("/", "", ["user-agent"], ["${jndi:ldap://x/a}"], "", "")!.location).toBe("header:user-agent");
    // Headers outside the configured list are not inspected.
    expect(check("/", "", ["x-other"], ["${jndi:ldap://x/a}"], "", "")).toBeNull();
    const opts = new DetectOptions();
    opts.headers = ["x-other"];
    const g = inspectRequest(request("/", "", ["X-Other"], ["${jndi:ldap://x/a}"], "", ""), opts)!;
    expect(g.location).toBe("header:x-other");
  });

  it("names the JSON path of a string value or key", () => {
    const f = check("/api", "", [], [], "application/json", '{"a":{"b":[1,"ok","<img src=x onerror=alert(1)>"]}}')!;
    expect(f.location).toBe("body.json:$.a.b[2]");
    expect(f.category).toBe("xss");
    const k = check("/api", "", [], [], "application/json", '{"user":{"$ne":1}}')!;
    expect(k.location).toBe("body.json:$.user.$ne");
    const e = check("/api", "", [], [], "application/json", '{"s":"\\u003cscript\\u003e"}')!;
    expect(e.location).toBe("body.json:$.s");
  });

  it("names the form field, and falls back to raw text for other bodies, whatever their declared type", () => {
    expect(check("/", "", [], [], "application/x-www-form-urlencoded", "user=bob&pass=" + percentEncode("x' or '1'='1"))!.location).toBe(
      "body.form:pass",
    );
    expect(check("/", "", [], [], "text/plain", "hello ; cat /etc/passwd")!.location).toBe("body");
    expect(check("/", "", [], [], "application/json", "{not json ../../etc/passwd")!.location).toBe("body");
    expect(check("/", "", [], [], "application/octet-stream", "../../etc/passwd")!.location).toBe("body");
  });

  it("keeps the snippet short and the rule id stable", () => {
    const long = "a".repeat(500) + "<script>alert(1)</script>" + "b".repeat(500);
    const f = check("/", "q=" + long, [], [], "", "")!;
    expect(f.rule).toBe("xss.script-tag");
    expect(f.snippet.length <= 64).toBe(true);
    expect(f.snippet.includes("<script>")).toBe(true);
  });
});

describe("options", () => {
  it("runs only the enabled categories and respects the body limit", () => {
    const opts = new DetectOptions();
    opts.categories = ["xss"];
    expect(inspectRequest(request("/", "q=" + percentEncode("' or 1=1--"), [], [], "", ""), opts)).toBeNull();
    const small = new DetectOptions();
    small.maxBodyBytes = 16;
    const body = "x=" + "a".repeat(40) + "&y=" + percentEncode("<script>alert(1)</script>");
    expect(inspectRequest(request("/", "", [], [], "application/x-www-form-urlencoded", body), small)).toBeNull();
    expect(inspectRequest(request("/", "", [], [], "application/x-www-form-urlencoded", body), new DetectOptions())).not.toBeNull();
  });

  it("passes a clean request", () => {
    expect(
      check(
        "/api/v1/orders",
        "page=2&sort=name",
        ["user-agent", "referer", "cookie"],
        ["Mozilla/5.0 (X11; Linux x86_64)", "https://shop.example.com/cart?step=2", "sid=abc123; theme=dark"],
        "application/json",
        '{"name":"Maria Fernández","notes":"Leave it with the concierge, please.","items":[{"sku":"A-1","qty":2}]}',
      ),
    ).toBeNull();
  });
});

describe("linear time on hostile inputs", () => {
  it("128 KiB of each character that opens a scanner state, as JSON and as raw text", () => {
    // 128 KiB of the characters that open states in the scanners; each must finish quickly.
    const hostile = [
      "'",
      "<",
      "(",
      '"',
      "/*",
      "${",
      "{{",
      "../",
      "%",
      "&#",
      "\\u",
      "<a ",
      "on",
      "a=",
      ";",
      "`",
      " or ",
      "<!--",
      "%c0",
      "\\",
      "\n",
      "\r\n",
      '\n"',
      ")(",
      "..{",
    ];
    for (let i = 0; i < hostile.length; i++) {
      const unit = hostile[i];
      const s = unit.repeat(131072 / unit.length);
      const body = '{"v":"' + s.replaceAll("\\", "\\\\").replaceAll('"', '\\"') + '"}';
      // No clock here (the timed version is in test/detect/engine-loader.test.ts): a quadratic scanner
      // would stall this suite for minutes on 128 KiB.
      inspectRequest(request("/", "", [], [], "application/json", body), new DetectOptions());
      inspectRequest(request("/", "", [], [], "text/plain", s), new DetectOptions());
    }
  });

  it("deep nesting: 128 KiB of '(' then ')' and of nested ${", () => {
    inspectRequest(request("/", "", [], [], "text/plain", "(".repeat(65536) + ")".repeat(65536)), new DetectOptions());
    inspectRequest(request("/", "", [], [], "text/plain", "${".repeat(32768) + "}".repeat(65536)), new DetectOptions());
    expect(
      inspectRequest(request("/", "", [], [], "application/json", "[".repeat(65536) + "]".repeat(65536)), new DetectOptions()),
    ).toBeNull();
  });
});
