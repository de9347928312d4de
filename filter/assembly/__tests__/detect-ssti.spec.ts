// Template injection (detect/ssti.ts): statements of the Jinja family, next to the text that shares their
// delimiters.
import { q, rule, category } from "../detect/testing";

describe("ssti: a closed statement that loops, assigns or loads", () => {
  it("finds {% for %}, {% set %} and {% import %}", () => {
    expect(rule(q("{% For c in [1,2,3]%} {{c, c, c}} {% endfor%}"))).toBe("ssti.statement");
    expect(rule(q("{%- set x = 1 -%}"))).toBe("ssti.statement");
    expect(rule(q("{% import 'os' as o %}"))).toBe("ssti.statement");
  });
  it("leaves unclosed tags, conditionals and percentages in braces alone", () => {
    expect(category(q("{% for"))).toBe("none");
    expect(category(q("{% if user %}"))).toBe("none");
    expect(category(q("{%d items%}"))).toBe("none");
    expect(category(q("discount {50% for members}"))).toBe("none");
  });
});
