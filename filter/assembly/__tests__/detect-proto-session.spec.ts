// Prototype pollution (detect/proto.ts) and session fixation (detect/session.ts).
import { q, rawQuery, rule, category, request } from "../detect/testing";
import { inspectRequest, DetectOptions } from "../detect/engine";

function only(category: string): DetectOptions {
  const o = new DetectOptions();
  o.categories = [category];
  return o;
}

function jsonBody(body: string): string {
  const f = inspectRequest(request("/api", "", [], [], "application/json", body), new DetectOptions());
  return f === null ? "none" : f.rule + " @" + f.location;
}

describe("protopollution", () => {
  it("finds __proto__ and constructor.prototype in names, keys and values", () => {
    expect(rule(rawQuery("__proto__[isAdmin]=true"))).toBe("protopollution.proto");
    expect(rule(rawQuery("a[constructor][prototype][b]=1"))).toBe("protopollution.constructor");
    expect(rule(q("constructor.prototype.polluted"))).toBe("protopollution.constructor");
    expect(rule(rawQuery("%5F%5Fproto%5F%5F[a]=b"))).toBe("protopollution.proto");
    expect(jsonBody('{"user":{"__proto__":{"role":"admin"}}}')).toBe("protopollution.proto @body.json:$.user.__proto__");
  });
  it("leaves the words in prose and identifiers alone", () => {
    expect(category(q("constructor prototype javascript"))).toBe("none");
    expect(category(q("my__proto__x"))).toBe("none");
    expect(category(q("Prototype #3 ready; constructor notes attached"))).toBe("none");
  });
});

function pathOnly(p: string): string {
  const f = inspectRequest(request(p, "", [], [], "", ""), only("protopollution"));
  return f === null ? "none" : f.rule + " @" + f.location;
}

describe("protopollution: a key path spread over URL path segments", () => {
  it("finds constructor/prototype across segments", () => {
    expect(pathOnly("/set/constructor/prototype/isAdmin")).toBe("protopollution.constructor @path");
    expect(pathOnly("/api/%63onstructor/prototype/x")).toBe("protopollution.constructor @path");
  });
  it("leaves the words in separate places of a path alone", () => {
    expect(pathOnly("/docs/constructor/overview")).toBe("none");
    expect(pathOnly("/Object/prototype/constructor")).toBe("none");
  });
});

describe("sessionfixation", () => {
  it("finds Set-Cookie lines, document.cookie assignments and session ids as parameters", () => {
    expect(rule(q("Set-Cookie: ASP.NET_SessionId=fixated"))).toBe("sessionfixation.set-cookie");
    // xss (dom-sink) runs first and claims it; on its own the session detector sees the assignment.
    expect(rule(inspectRequest(request("/", "q=document.cookie%3D%27sid%3Dfixed%27", [], [], "", ""), only("sessionfixation")))).toBe(
      "sessionfixation.document-cookie",
    );
    expect(rule(rawQuery("PHPSESSID=abcdef0123456789"))).toBe("sessionfixation.session-parameter");
    expect(rule(rawQuery("ASPSESSIONIDQQGGGNCC=FIXED"))).toBe("sessionfixation.session-parameter");
  });
  it("leaves session words and the sessionId key alone", () => {
    expect(category(q("set-cookie header explained"))).toBe("none");
    expect(category(rawQuery("sessionId=42&session=abc"))).toBe("none");
  });
});
