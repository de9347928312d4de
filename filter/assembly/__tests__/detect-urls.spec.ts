// Where a URL in a value points (detect/url.ts): SSRF (detect/ssrf.ts) and remote file inclusion
// (detect/rfi.ts).
import { q, rawQuery, rule, category } from "../detect/testing";

describe("ssrf", () => {
  it("finds metadata endpoints, bare or in URLs", () => {
    expect(rule(q("http://169.254.169.254/latest/meta-data/"))).toBe("ssrf.metadata");
    expect(rule(q("169.254.169.254"))).toBe("ssrf.metadata");
    expect(rule(q("http://metadata.google.internal/computeMetadata/v1/"))).toBe("ssrf.metadata");
    expect(rule(q("http://[fd00:ec2::254]/latest/"))).toBe("ssrf.metadata");
    expect(rule(q("http://user:pw@169.254.169.254/"))).toBe("ssrf.metadata");
  });
  it("finds loopback and private targets, and IPv4 addresses spelled to evade", () => {
    expect(rule(q("http://127.0.0.1:8080/admin"))).toBe("ssrf.internal-address");
    expect(rule(q("https://10.0.0.5/x"))).toBe("ssrf.internal-address");
    expect(rule(q("http://localhost/server-status"))).toBe("ssrf.internal-address");
    expect(rule(q("http://[::1]:6379/"))).toBe("ssrf.internal-address");
    expect(rule(q("http://2130706433/"))).toBe("ssrf.ip-encoding");
    expect(rule(q("http://0x7f000001/"))).toBe("ssrf.ip-encoding");
    expect(rule(q("http://0177.0.0.1/"))).toBe("ssrf.ip-encoding");
    expect(rule(q("http://127.1/"))).toBe("ssrf.ip-encoding");
    expect(rule(q("http://[::ffff:127.0.0.1]/"))).toBe("ssrf.ip-encoding");
  });
  it("finds schemes that talk raw protocols", () => {
    // Reported as SSRF, not as a traversal wrapper (traversal runs first and once claimed them).
    expect(rule(q("gopher://127.0.0.1:6379/_SET"))).toBe("ssrf.scheme");
    expect(rule(q("dict://example.com:11211/stats"))).toBe("ssrf.scheme");
    expect(rule(q("tftp://example.com/boot.img"))).toBe("ssrf.scheme");
  });
  it("leaves public URLs and addresses in prose alone", () => {
    expect(category(q("https://www.example.com/callback?a=1&b=2"))).toBe("none");
    expect(category(q("my IP is 10.0.0.12, is that bad?"))).toBe("none");
    expect(category(q("version 169.254.1"))).toBe("none");
  });
});

describe("rfi", () => {
  it("finds URLs cut short, bare public IPs, file-transfer schemes and files on shares", () => {
    expect(rule(q("http://evil.example/shell.txt?"))).toBe("rfi.truncated-url");
    expect(rule(q("http://evil.example/shell.txt%00"))).toBe("rfi.truncated-url");
    expect(rule(q("http://203.0.113.7/x.php"))).toBe("rfi.ip-host");
    expect(rule(q("ftp://evil.example/pub/shell.txt"))).toBe("rfi.file-transfer");
    expect(rule(q("\\\\attacker\\share\\shell.php"))).toBe("rfi.unc-path");
  });
  it("leaves ordinary links and bare share names alone", () => {
    expect(category(q("https://shop.example.com/search?q=shoes"))).toBe("none");
    expect(category(q("https://example.com/faq#top"))).toBe("none");
    expect(category(q("\\\\server\\share"))).toBe("none");
  });
  it("finds a web URL as the whole value of a parameter named like a file to include", () => {
    expect(rule(rawQuery("file=http%3A%2F%2Fevil%2Fx"))).toBe("rfi.include-parameter");
    expect(rule(rawQuery("id=3&Page=https://evil.example/shell.txt"))).toBe("rfi.include-parameter");
    expect(rule(rawQuery("lang=http://attacker.example/en"))).toBe("rfi.include-parameter");
  });
  it("leaves URLs under other names, and URLs inside text under those names, alone", () => {
    expect(category(rawQuery("url=http://evil/x"))).toBe("none");
    expect(category(rawQuery("return=https://shop.example.com/cart"))).toBe("none");
    expect(category(rawQuery("file=see+http://example.com/a"))).toBe("none");
    expect(category(rawQuery("profile=https://example.com/me"))).toBe("none");
  });
});
