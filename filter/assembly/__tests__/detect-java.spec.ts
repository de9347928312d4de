// Java attacks (detect/java.ts): serialized objects, gadget classes, expression languages, Spring4Shell.
import { q, rawQuery, rule, category } from "../detect/testing";

describe("java", () => {
  it("finds serialized Java objects in base64 and hex", () => {
    expect(rule(q("rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA=="))).toBe("java.serialized-object");
    expect(rule(q("rO0ABXQAA2Zvbw"))).toBe("java.serialized-object");
    expect(rule(q("aced00057372"))).toBe("java.serialized-object");
  });
  it("finds gadget classes by their qualified or distinctive names", () => {
    expect(rule(q("org.apache.commons.collections.functors.InvokerTransformer"))).toBe("java.gadget-class");
    expect(rule(q('{"@type":"com.sun.rowset.JdbcRowSetImpl"}'))).toBe("java.gadget-class");
    expect(rule(q("InvokerTransformer"))).toBe("java.gadget-class");
  });
  it("finds OGNL, SpEL and EL expressions that reach types or reflection", () => {
    expect(rule(q("%{(#_memberAccess['allowStaticMethodAccess']=true)}"))).toBe("java.expression");
    expect(rule(q("#{T(java.lang.System).getenv()}"))).toBe("java.expression");
    expect(rule(q("${pageContext.request.getSession()}"))).toBe("java.expression");
    expect(rule(q("#_memberAccess.allowStaticMethodAccess=true"))).toBe("java.ognl");
  });
  it("finds Spring4Shell class-loader parameter names", () => {
    expect(rule(rawQuery("class.module.classLoader.resources.context.parent.pipeline.first.pattern=x"))).toBe("java.class-loader");
    expect(rule(q("class.protectionDomain.codeSource"))).toBe("java.class-loader");
  });
  it("leaves templates, stack traces and prose alone", () => {
    expect(category(q("console.log(`Hello ${user.name}`);"))).toBe("none");
    expect(category(q("a java.lang.NullPointerException was thrown"))).toBe("none");
    expect(category(q("The class.method() pattern is common"))).toBe("none");
    expect(category(q("items.map(x => x * 2)"))).toBe("none");
  });
});
