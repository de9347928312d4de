// PHP code injection (detect/php.ts): opening tags, calls of code-running functions, stream wrappers,
// serialized objects — and the prose, XML and data URIs that share their surface.
import { q, rule, category } from "../detect/testing";

describe("php", () => {
  it("finds opening tags that start code", () => {
    expect(rule(q("<?php system($_GET['c']); ?>"))).toBe("php.open-tag");
    expect(rule(q("<?= `id` ?>"))).toBe("php.open-tag");
    expect(rule(q("<? eval($_POST[x]); ?>"))).toBe("php.open-tag");
  });
  it("finds calls of functions that run code, with code-like arguments", () => {
    expect(rule(q("eval(base64_decode('aWQ='));"))).toBe("php.function-call");
    expect(rule(q("assert($_POST[0])"))).toBe("php.function-call");
    expect(rule(q("highlight_file(__FILE__);"))).toBe("php.function-call");
    expect(rule(q("${@print(md5(31337))}"))).toBe("php.function-call");
  });
  it("finds stream wrappers and serialized objects", () => {
    expect(rule(q("php://filter/convert.base64-encode/resource=index.php"))).toBe("php.stream-wrapper");
    expect(rule(q("expect://id"))).toBe("php.stream-wrapper");
    expect(rule(q("phar://uploads/a.jpg/x.php"))).toBe("php.stream-wrapper");
    expect(rule(q("data://text/plain;base64,PD9waHA="))).toBe("php.stream-wrapper");
    expect(rule(q('O:8:"stdClass":1:{s:1:"a";i:1;}'))).toBe("php.serialized-object");
  });
  it("leaves prose, XML declarations and image data URIs alone", () => {
    expect(category(q("Our new system (beta) is live"))).toBe("none");
    expect(category(q("data:image/png;base64,iVBORw0KGgo="))).toBe("none");
    expect(category(q("session 2 of 5: intro to PHP"))).toBe("none");
  });
});

describe("php: an element of a request superglobal", () => {
  it("finds $_GET[...], {$_POST[...]} and $_REQUEST[...]", () => {
    expect(rule(q(';{$_GET["cmd"]}'))).toBe("php.superglobal");
    expect(rule(q("$_REQUEST['x']"))).toBe("php.superglobal");
    expect(rule(q("{$_POST[x]}"))).toBe("php.superglobal");
  });
  it("leaves prices, template placeholders and the bare names alone", () => {
    expect(category(q("$_x [1]"))).toBe("none");
    expect(category(q("costs $5 [incl. tax]"))).toBe("none");
    expect(category(q("the $_GET array"))).toBe("none");
  });
});
