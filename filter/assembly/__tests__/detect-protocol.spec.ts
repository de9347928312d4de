// HTTP protocol attacks (detect/protocol.ts): framing headers, header syntax and bounds, and a request
// smuggled inside a value.
import { q, rule, category, request } from "../detect/testing";
import { inspectRequest, DetectOptions, Finding } from "../detect/engine";

function head(names: Array<string>, values: Array<string>): Finding | null {
  return inspectRequest(request("/", "", names, values, "", ""), new DetectOptions());
}

describe("protocol", () => {
  it("finds conflicting or odd framing headers", () => {
    expect(rule(head(["content-length", "content-length"], ["5", "6"]))).toBe("protocol.content-length");
    expect(rule(head(["content-length"], ["0x10"]))).toBe("protocol.content-length");
    expect(rule(head(["content-length", "transfer-encoding"], ["5", "chunked"]))).toBe("protocol.transfer-encoding");
    expect(rule(head(["transfer-encoding"], ["gzip, chunked"]))).toBe("protocol.transfer-encoding");
    const f = head(["transfer-encoding"], ["identity"]);
    expect(f!.location).toBe("header:transfer-encoding");
  });
  it("finds invalid header names, control bytes and headers beyond bounds", () => {
    expect(rule(head(["x bad"], ["1"]))).toBe("protocol.header-name");
    expect(rule(head(["x-a"], ["1\u0000"]))).toBe("protocol.header-value");
    expect(rule(head(["x-long"], ["a".repeat(9000)]))).toBe("protocol.header-length");
    const names = new Array<string>();
    const values = new Array<string>();
    for (let i = 0; i < 17; i++) {
      names.push("x-dup");
      values.push(i.toString());
    }
    expect(rule(head(names, values))).toBe("protocol.header-repeated");
  });
  it("finds a request smuggled in a value", () => {
    expect(rule(q("0\r\n\r\nGET /admin HTTP/1.1\r\nHost: internal\r\n\r\n"))).toBe("protocol.smuggled-request");
  });
  it("leaves ordinary heads and text about HTTP alone", () => {
    expect(category(head(["content-length", "cookie", "cookie"], ["12", "a=1", "b=2"]))).toBe("none");
    expect(category(head(["content-length", "accept"], ["12", "*/*"]))).toBe("none");
    expect(category(head(["transfer-encoding"], ["chunked"]))).toBe("none");
    expect(category(q("http/1.1 vs http/2"))).toBe("none");
    expect(category(q("GET vs POST"))).toBe("none");
  });
});

describe("cmdi: obfuscated forms", () => {
  it("sees through variables, quotes, escapes, globs and Ruby's command literal", () => {
    expect(category(q(";cat${IFS}/etc/passwd"))).toBe("cmdi");
    expect(category(q("| ${PATH:0:1}bin${PATH:0:1}id"))).toBe("cmdi");
    expect(category(q("; x=id; $x"))).toBe("cmdi");
    expect(category(q("`w\\ho\\am\\i`"))).toBe("cmdi");
    expect(category(q("&& /bin/c?t /e??/p?sswd"))).toBe("cmdi");
    expect(category(q("%x(id)"))).toBe("cmdi");
    expect(category(q("; echo aWQ= | base64 -d | sh"))).toBe("cmdi");
  });
  it("leaves pipe-separated tracking values, page titles and data URIs alone", () => {
    expect(category(q("mmb|sc|c1|080122|spring_sale|5"))).toBe("none");
    expect(category(q("flights & more | brand"))).toBe("none");
    expect(category(q("data:image/png;base64,k6spjdwgkw1jmdh9cpqt68mzrkpf/pklf9k"))).toBe("none");
    expect(category(q("class Foo extends Bar { constructor() { super(); } }"))).toBe("none");
  });
});

describe("sqli and xss: consent strings and prose", () => {
  it("leaves the US-privacy string, prose with SQL words and named DOM properties alone", () => {
    expect(category(q("1---"))).toBe("none");
    expect(category(q("1YN-"))).toBe("none");
    expect(category(q("I'd like to select a union rep from the table"))).toBe("none");
    expect(category(q("document.cookie tutorial"))).toBe("none");
    expect(category(q('print(f"Hello {name}")'))).toBe("none");
  });
  it("still flags the probes next to them", () => {
    expect(category(q("1--"))).toBe("sqli");
    expect(category(q("1 union select password from users"))).toBe("sqli");
    expect(category(q("alert(document.cookie)"))).toBe("xss");
    expect(category(q("print()"))).toBe("xss");
  });
});
