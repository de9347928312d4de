// XML and SOAP bodies: the document's text content and attribute values are inspected, each at its element
// path; the markup itself only for XXE. Malformed documents are inspected as text.
import { request, category, rule } from "../detect/testing";
import { DetectOptions, inspectRequest, Finding } from "../detect/engine";

function xml(contentType: string, body: string): Finding | null {
  return inspectRequest(request("/service", "", [], [], contentType, body), new DetectOptions());
}

function soap(body: string): Finding | null {
  return xml(
    "text/xml; charset=utf-8",
    '<?xml version="1.0" encoding="utf-8"?>\n' +
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:example:users">\n' +
      "  <soap:Body>\n    <m:GetUser>\n" +
      body +
      "\n    </m:GetUser>\n  </soap:Body>\n</soap:Envelope>\n",
  );
}

const SOAP_11 =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"\n' +
  '    xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n' +
  '    xmlns:ord="http://example.com/orders/2024">\n' +
  "  <soapenv:Header>\n" +
  '    <wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">\n' +
  "      <wsse:UsernameToken>\n" +
  "        <wsse:Username>svc-orders</wsse:Username>\n" +
  '        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">s3cr3t!Pass</wsse:Password>\n' +
  '        <wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">tKUH8ab3Rokm4t6IAlgcdg==</wsse:Nonce>\n' +
  "      </wsse:UsernameToken>\n" +
  "    </wsse:Security>\n" +
  "  </soapenv:Header>\n" +
  "  <soapenv:Body>\n" +
  "    <ord:SubmitOrder>\n" +
  '      <ord:customer xsi:type="ord:Customer">\n' +
  "        <ord:name>O'Brien &amp; Sons Ltd.</ord:name>\n" +
  "        <ord:email>purchasing@obrien.example.com</ord:email>\n" +
  "        <ord:address>12 Main St., Apt. 4; Springfield</ord:address>\n" +
  "      </ord:customer>\n" +
  "      <ord:items>\n" +
  '        <ord:item sku="A-100" qty="2" unitPrice="19.99"/>\n' +
  '        <ord:item sku="B-200" qty="1" unitPrice="5.00"><ord:note>Gift wrap, please (no price tag)</ord:note></ord:item>\n' +
  "      </ord:items>\n" +
  '      <ord:coupon xsi:nil="true"/>\n' +
  "      <ord:comment><![CDATA[Deliver between 9:00 & 17:00 -- ring twice.]]></ord:comment>\n" +
  "    </ord:SubmitOrder>\n" +
  "  </soapenv:Body>\n" +
  "</soapenv:Envelope>\n";

const SOAP_12 =
  '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">' +
  '<env:Header><wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">http://example.com/Stock/GetPrice</wsa:Action>' +
  '<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">https://api.example.com/stock?wsdl</wsa:To></env:Header>' +
  '<env:Body><m:GetStockPrice xmlns:m="https://www.example.org/stock"><m:StockName>IBM</m:StockName>' +
  '<m:Range from="2024-01-01T00:00:00Z" to="2024-06-30T23:59:59+02:00"/></m:GetStockPrice></env:Body></env:Envelope>';

const ATOM =
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n' +
  '  <title type="text">dive into mark</title>\n' +
  '  <subtitle type="html">A &lt;em&gt;lot&lt;/em&gt; of effort went into making this effortless</subtitle>\n' +
  "  <updated>2005-07-31T12:29:29Z</updated>\n" +
  "  <id>tag:example.org,2003:3</id>\n" +
  '  <link rel="alternate" type="text/html" hreflang="en" href="http://example.org/"/>\n' +
  '  <link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>\n' +
  "  <rights>Copyright (c) 2003, Mark Pilgrim</rights>\n" +
  '  <generator uri="http://www.example.com/" version="1.0">Example Toolkit</generator>\n' +
  "  <entry>\n" +
  "    <title>Atom draft-07 snapshot</title>\n" +
  '    <link rel="enclosure" type="audio/mpeg" length="1337" href="http://example.org/audio/ph34r_my_podcast.mp3"/>\n' +
  "    <id>tag:example.org,2003:3.2397</id>\n" +
  "    <author><name>Mark Pilgrim</name><uri>http://example.org/</uri><email>f8dy@example.com</email></author>\n" +
  '    <content type="xhtml" xml:lang="en" xml:base="http://diveintomark.org/">\n' +
  '      <div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div>\n' +
  "    </content>\n" +
  "  </entry>\n" +
  "</feed>\n";

const RSS =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<?xml-stylesheet type="text/xsl" href="/assets/rss.xsl"?>\n' +
  '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n' +
  "<channel>\n" +
  "  <title>Release notes</title>\n" +
  "  <link>https://blog.example.com/</link>\n" +
  "  <description>News &amp; updates from the team</description>\n" +
  "  <item>\n" +
  "    <title>Version 2.1: faster sync, select-all in lists</title>\n" +
  "    <link>https://blog.example.com/2024/05/v2-1?utm_source=rss&amp;utm_medium=feed</link>\n" +
  '    <guid isPermaLink="false">urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</guid>\n' +
  "    <dc:creator>Ann O'Neil</dc:creator>\n" +
  "    <description><![CDATA[<p>Sync is <b>twice</b> as fast.</p><p>Read the whole post on the blog.</p>]]></description>\n" +
  "    <pubDate>Tue, 14 May 2024 09:30:00 +0000</pubDate>\n" +
  "  </item>\n" +
  "</channel>\n" +
  "</rss>\n";

const CONFIG =
  '<?xml version="1.0" standalone="yes"?>\n' +
  "<!-- Generated by the exporter; do not edit by hand. -->\n" +
  '<?app-hint mode="fast"?>\n' +
  "<?legacy run this on import?>\n" +
  '<settings xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n' +
  '          xsi:schemaLocation="urn:example:settings https://schemas.example.com/settings/v3/settings.xsd">\n' +
  "  <!-- the upstream -->\n" +
  '  <endpoint url="https://api.example.com:8443/v1/items?limit=50&amp;sort=-created" timeout="30s"/>\n' +
  "  <callback href='https://hooks.example.com/notify#section-2'/>\n" +
  "  <title>Caf&#233; &#x26; Bar &#169; 2024</title>\n" +
  "  <expr>qty &gt;= 10</expr>\n" +
  "  <empty></empty>\n" +
  "  <notes>Line one\n    Line two -- with a dash; and a semicolon.</notes>\n" +
  "</settings>\n";

describe("XML bodies: ordinary documents", () => {
  it("passes SOAP 1.1 and 1.2 envelopes, Atom and RSS feeds, comments and processing instructions", () => {
    expect(category(xml("text/xml; charset=utf-8", SOAP_11))).toBe("none");
    expect(category(xml('application/soap+xml; charset=utf-8; action="urn:GetPrice"', SOAP_12))).toBe("none");
    expect(category(xml("application/atom+xml", ATOM))).toBe("none");
    expect(category(xml("application/rss+xml", RSS))).toBe("none");
    expect(category(xml("application/xml", CONFIG))).toBe("none");
    // With a byte order mark, and without the XML declaration.
    expect(category(xml("application/xml", "\uFEFF<a><b>1</b></a>"))).toBe("none");
  });

  it("passes a document cut at the body limit", () => {
    const opts = new DetectOptions();
    opts.maxBodyBytes = 700;
    expect(inspectRequest(request("/service", "", [], [], "text/xml", SOAP_11), opts)).toBeNull();
    opts.maxBodyBytes = 1090;
    expect(inspectRequest(request("/service", "", [], [], "text/xml", SOAP_11), opts)).toBeNull();
  });
});

describe("XML bodies: attacks in values", () => {
  it("finds SQL injection, command injection and traversal in text nodes, at their element path", () => {
    const f = soap("<m:id>1' OR '1'='1</m:id>")!;
    expect(f.category).toBe("sqli");
    expect(f.location).toBe("body.xml:/soap:Envelope/soap:Body/m:GetUser/m:id");
    expect(category(soap("<m:name>x' UNION SELECT password FROM users--</m:name>"))).toBe("sqli");
    expect(category(soap("<m:host>127.0.0.1; cat /etc/passwd</m:host>"))).toBe("cmdi");
    expect(category(soap("<m:file>../../../../etc/passwd</m:file>"))).toBe("traversal");
  });

  it("finds markup in CDATA and entity-encoded markup in text", () => {
    const c = soap("<m:bio><![CDATA[<script>alert(1)</script>]]></m:bio>")!;
    expect(c.rule).toBe("xss.script-tag");
    expect(c.location).toBe("body.xml:/soap:Envelope/soap:Body/m:GetUser/m:bio");
    expect(rule(soap("<m:bio>&lt;script&gt;alert(1)&lt;/script&gt;</m:bio>"))).toBe("xss.script-tag");
    expect(category(soap("<m:bio>&#60;img src=x onerror=alert(1)&#62;</m:bio>"))).toBe("xss");
  });

  it("finds attacks in attribute values and in processing-instruction pseudo-attributes", () => {
    const a = soap('<m:user id="7" filter="admin\' or 1=1--"/>')!;
    expect(a.category).toBe("sqli");
    expect(a.location).toBe("body.xml:/soap:Envelope/soap:Body/m:GetUser/m:user/@filter");
    expect(category(soap("<m:file path='../../../etc/shadow'/>"))).toBe("traversal");
    expect(category(soap('<m:link href="javascript:alert(document.cookie)">x</m:link>'))).toBe("xss");
    const p = xml("application/xml", '<?xml-stylesheet type="text/xsl" href="javascript:alert(1)"?><a/>')!;
    expect(p.category).toBe("xss");
    expect(p.location).toBe("body.xml:/?xml-stylesheet/@href");
  });

  it("reads text split by comments and CDATA sections as the application does: joined", () => {
    expect(category(soap("<m:id>1' OR <!-- x -->'1'='1</m:id>"))).toBe("sqli");
    expect(category(soap("<m:id>1 UNION<![CDATA[ SELECT ]]>password FROM users--</m:id>"))).toBe("sqli");
  });

  it("finds XXE in the markup", () => {
    const f = xml("application/xml", '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>')!;
    expect(f.category).toBe("xxe");
    expect(f.location).toBe("body");
    expect(
      category(xml("application/soap+xml", '<e><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/></e>')),
    ).toBe("xxe");
  });

  it("inspects a malformed document as text", () => {
    expect(category(xml("application/xml", "<a><b>1' or '1'='1</a>"))).toBe("sqli");
    expect(xml("application/xml", "hello; cat /etc/passwd")!.location).toBe("body");
    expect(category(xml("text/xml", "<a>ok</a> <script>alert(1)</script>"))).toBe("xss");
    expect(category(xml("text/xml", '<a x="1"><img src=x onerror=alert(1)></a>'))).toBe("xss");
    expect(category(xml("text/xml", "<a><!-- <script>alert(1)</script>"))).toBe("xss");
  });

  it("walks XML bodies as XML, whatever their declared type", () => {
    const body = "<a><b>fine</b><c>1' or '1'='1</c></a>";
    expect(xml("application/xml", body)!.location).toBe("body.xml:/a/c");
    expect(xml("text/xml;charset=UTF-8", body)!.location).toBe("body.xml:/a/c");
    expect(xml("application/vnd.example.order+xml; version=2", body)!.location).toBe("body.xml:/a/c");
    // Whatever the declared type, XML bytes are walked as XML: an SVG upload's script is found too.
    expect(xml("text/plain", body)!.location).toBe("body.xml:/a/c");
    expect(xml("image/svg+xml", '<svg onload="alert(1)"/>')!.location).toBe("body.xml:/svg/@onload");
  });
});

describe("XML bodies: linear time on hostile inputs", () => {
  it("128 KiB of each construct that opens a state in the XML walk", () => {
    const hostile = [
      "<",
      "<a>",
      "</a>",
      "<a ",
      "<a b='",
      '<a b="1" ',
      "<!--",
      "<![CDATA[",
      "<?",
      "<?x ",
      "<!DOCTYPE [",
      "&lt;",
      "a<!---->",
      "<a><![CDATA[x]]>",
      "<a/>",
      "'<b>",
      "]]>",
      "?>",
    ];
    for (let i = 0; i < hostile.length; i++) {
      const unit = hostile[i];
      const s = unit.repeat(131072 / unit.length);
      inspectRequest(request("/", "", [], [], "application/xml", s), new DetectOptions());
      inspectRequest(request("/", "", [], [], "application/xml", "<r>" + s + "</r>"), new DetectOptions());
    }
  });

  it("deep nesting: 64 Ki elements open then closed", () => {
    expect(
      inspectRequest(request("/", "", [], [], "application/xml", "<a>".repeat(32768) + "</a>".repeat(32768)), new DetectOptions()),
    ).toBeNull();
  });
});
