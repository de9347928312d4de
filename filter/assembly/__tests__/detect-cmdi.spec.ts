// Command injection: the shell grammar the detector reads (filter/assembly/detect/cmdi.ts). Each case
// pairs the attack form with the ordinary value that shares its surface.
import { q, category, rule } from "../detect/testing";

describe("cmdi: line breaks written out as \\n or \\r", () => {
  it("ends the command word at a written-out line break", () => {
    expect(category(q(";id\\n"))).toBe("cmdi");
    expect(category(q("\\nid\\n"))).toBe("cmdi");
    expect(category(q("|usr/bin/id\\n"))).toBe("cmdi");
    expect(category(q("a;id\\r"))).toBe("cmdi");
    expect(category(q("\\necho hello\\nexit\\n"))).toBe("cmdi");
  });
  it("keeps a backslash glued to letters as part of a path", () => {
    expect(category(q("notes\\nodes"))).toBe("none");
    expect(category(q("see line\\nfour of the poem"))).toBe("none");
  });
});

describe("cmdi: a command closed off by a separator that ends the value", () => {
  it("finds a command word with a separator glued to it", () => {
    expect(rule(q("id;"))).toBe("cmdi.command");
    expect(rule(q("id|"))).toBe("cmdi.command");
    expect(rule(q("date&&"))).toBe("cmdi.command");
  });
  it("leaves words in lists and prose alone", () => {
    expect(category(q("id"))).toBe("none");
    expect(category(q("Java;"))).toBe("none");
    expect(category(q("id; name; email"))).toBe("none");
    expect(category(q("see the date; "))).toBe("none");
  });
});

describe("cmdi: a value that opens with a pipe", () => {
  it("reads the one word after an opening |, || or && as a program", () => {
    expect(rule(q("|nid"))).toBe("cmdi.chained-command");
    expect(rule(q("|| foo\\n"))).toBe("cmdi.chained-command");
    expect(rule(q("&&probe"))).toBe("cmdi.chained-command");
  });
  it("leaves pipe-separated fields and a lone ampersand alone", () => {
    expect(category(q("|sc|c1|080122"))).toBe("none");
    expect(category(q("& friends"))).toBe("none");
    expect(category(q("| brand name"))).toBe("none");
  });
});

describe("cmdi: spaces encoded as '+' once more than the transport decodes", () => {
  it("reads '+' as a blank", () => {
    expect(category(q("+dir+c:/"))).toBe("cmdi");
    expect(category(q("+ping+-n+3+127.0.0.1"))).toBe("cmdi");
  });
  it("leaves phone numbers and sums alone", () => {
    expect(category(q("+34 612 345 678"))).toBe("none");
    expect(category(q("2+2"))).toBe("none");
  });
});
