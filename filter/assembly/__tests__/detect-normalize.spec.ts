// Encodings must not hide an attack: each trick, one at a time.
import { q, rawQuery, category, value } from "../detect/testing";

describe("normalisation", () => {
  it("decodes repeated URL encoding", () => {
    expect(category(rawQuery("q=%253Cscript%253Ealert(1)%253C%252Fscript%253E"))).toBe("xss");
    expect(category(rawQuery("q=%25252e%25252e%25252fetc%25252fpasswd"))).toBe("traversal");
  });

  it("reads + as space in query values", () => {
    expect(category(rawQuery("q=1+union+select+1,2"))).toBe("sqli");
  });

  it("decodes %uXXXX and \\uXXXX escapes", () => {
    expect(category(rawQuery("q=%u003Cscript%u003Ealert(1)%u003C/script%u003E"))).toBe("xss");
    expect(category(q("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"))).toBe("xss");
    expect(category(q("\\x3cscript\\x3ealert(1)"))).toBe("xss");
  });

  it("decodes HTML entities, named, decimal and hex, with or without ';'", () => {
    expect(category(q("&lt;script&gt;alert(1)&lt;/script&gt;"))).toBe("xss");
    expect(category(q('<a href="jav&#x61;script&colon;alert(1)">x</a>'))).toBe("xss");
    expect(category(q("&#60;script&#62;alert(1)"))).toBe("xss");
    expect(category(q("&#x2e;&#x2e;/&#x2e;&#x2e;/etc/passwd"))).toBe("traversal");
  });

  it("folds case", () => {
    expect(category(q("1 UnIoN SeLeCt 1,2"))).toBe("sqli");
    expect(category(q("<ScRiPt>alert(1)</sCrIpT>"))).toBe("xss");
  });

  it("drops null bytes", () => {
    expect(category(rawQuery("q=%3Cscr%00ipt%3Ealert(1)"))).toBe("xss");
    expect(category(rawQuery("q=../../etc/passwd%00.png"))).toBe("traversal");
  });

  it("sees through SQL comments and whitespace tricks", () => {
    expect(category(q("1/**/union/**/select/**/1,2"))).toBe("sqli");
    expect(category(q("1 /*!50000union*/ /*!50000select*/ 1,2"))).toBe("sqli");
    expect(category(q("1 UN/**/ION SEL/**/ECT 1,2"))).toBe("sqli");
    expect(category(q("1'\tor\n'1'\r='1"))).toBe("sqli");
    expect(category(q("1'%a0or%a0'1'='1"))).toBe("none"); // not decoded: a literal percent sign in a value
    expect(category(rawQuery("q=1'%C2%A0or%C2%A0'1'%3D'1"))).toBe("sqli"); // U+00A0 as a space
  });

  it("normalises paths: ./, //, %2e%2e, backslashes, over-long UTF-8", () => {
    expect(category(q("./.././.././etc/passwd"))).toBe("traversal");
    expect(category(q("/etc//passwd"))).toBe("traversal");
    expect(category(rawQuery("q=%2e%2e%2f%2e%2e%2fboot.ini"))).toBe("traversal");
    expect(category(q("..\\..\\..\\boot.ini"))).toBe("traversal");
    expect(category(rawQuery("q=%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd"))).toBe("traversal");
    expect(category(rawQuery("q=%uff0e%uff0e%u2215%uff0e%uff0e%u2215etc%u2215passwd"))).toBe("traversal");
  });

  it("inspectValue applies the same normalisation", () => {
    expect(category(value("%253Cscript%253E"))).toBe("xss");
    expect(category(value("plain text"))).toBe("none");
  });
});
