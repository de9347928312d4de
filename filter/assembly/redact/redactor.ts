// Redaction of one exchange as its record is written: each header value, the query and each body is
// marked by the rules for its kind, then searched for the values already redacted elsewhere in the
// exchange (echoes), and written with the marked runs replaced. Everything is reused across exchanges:
// a record without secrets allocates nothing here.
import { ByteBuffer } from "../json/bytes";
import { HeaderList } from "../http/headers";
import { Mark, Marks } from "./marks";
import { RedactionNames, indexOfFolded } from "./names";
import { SecretSet } from "./secrets";
import { Target } from "./target";
import { redactCookie, redactSetCookie } from "./cookies";
import { redactJson } from "./json";
import { redactMultipart } from "./multipart";
import { redactUrlEncoded } from "./url-encoded";
import { redactXml } from "./xml";

export class Redactor {
  names: RedactionNames;
  readonly secrets: SecretSet;
  private readonly marks: Marks;
  /** The request body's marks, from collectBody to requestBody: its fields are scanned once. */
  private readonly kept: Marks;
  private readonly target: Target;
  private readonly out: ByteBuffer;
  private lastLength: i32 = 0;
  /** Set by collectHeaders since begin(), and whether it marked any value: unmarked, none is marked again. */
  private headersCollected: bool = false;
  private headersMarked: bool = false;

  constructor(names: RedactionNames) {
    const marks = new Marks();
    const secrets = new SecretSet();
    this.target = new Target(names.fields, marks, secrets);
    this.marks = marks;
    this.kept = new Marks();
    this.secrets = secrets;
    this.names = names;
    this.out = new ByteBuffer(256);
  }

  /** Starts an exchange: forgets the previous one's secrets. */
  begin(names: RedactionNames): void {
    this.names = names;
    this.target.fields = names.fields;
    this.secrets.clear();
    this.headersCollected = false;
    this.headersMarked = false;
  }

  /** Learns the secrets of every header value of `list` without writing anything. */
  collectHeaders(list: HeaderList): void {
    for (let i = 0; i < list.count; i++) {
      if (list.isPseudo(i)) continue;
      const len = list.valueLength(i);
      this.marks.reset(len);
      this.markHeader(list.namePtr(i), list.nameLength(i), list.valuePtr(i), 0, len);
      if (this.marks.any) this.headersMarked = true;
    }
    this.headersCollected = true;
  }

  /** Learns the secrets of a query string or a body. */
  collectQuery(ptr: usize, len: i32): void {
    this.marks.reset(len);
    redactUrlEncoded(this.target, ptr, 0, len);
  }

  /** Learns the secrets of the request body, keeping its marks for requestBody(). */
  collectBody(ptr: usize, len: i32, contentType: usize, contentTypeLen: i32): void {
    this.kept.reset(len);
    this.target.marks = this.kept;
    this.markBody(ptr, len, contentType, contentTypeLen);
    this.target.marks = this.marks;
  }

  /** The request body given to collectBody, redacted: its marks, then echoes. */
  requestBody(ptr: usize, len: i32): usize {
    return this.finish(ptr, len, this.kept);
  }

  /**
   * The value of header `i`, redacted: where it starts and how long it is (valid until the next call).
   * After collectHeaders (of every list written) found nothing to mark, only echoes are searched.
   */
  headerValue(list: HeaderList, i: i32): usize {
    const len = list.valueLength(i);
    this.marks.reset(len);
    if (this.headersMarked || !this.headersCollected) this.markHeader(list.namePtr(i), list.nameLength(i), list.valuePtr(i), 0, len);
    return this.finish(list.valuePtr(i), len, this.marks);
  }

  /** A query string, redacted by field name and echoes. */
  query(ptr: usize, len: i32): usize {
    this.marks.reset(len);
    redactUrlEncoded(this.target, ptr, 0, len);
    return this.finish(ptr, len, this.marks);
  }

  /** Any other text (a path): only echoes of known secrets are hidden. */
  text(ptr: usize, len: i32): usize {
    this.marks.reset(len);
    return this.finish(ptr, len, this.marks);
  }

  /** A body by its content type, then echoes; binary bodies are redacted on their raw bytes. */
  body(ptr: usize, len: i32, contentType: usize, contentTypeLen: i32): usize {
    this.marks.reset(len);
    this.markBody(ptr, len, contentType, contentTypeLen);
    return this.finish(ptr, len, this.marks);
  }

  /** Length of the last result of headerValue/query/text/body. */
  @inline get length(): i32 {
    return this.lastLength;
  }

  private finish(ptr: usize, len: i32, marks: Marks): usize {
    if (this.secrets.count > 0) this.secrets.markEchoes(ptr, len, marks);
    if (!marks.any) {
      this.lastLength = len;
      return ptr;
    }
    this.out.reset();
    marks.apply(this.out, ptr);
    this.lastLength = this.out.length;
    return this.out.dataStart;
  }

  private markHeader(name: usize, nameLen: i32, value: usize, start: i32, end: i32): void {
    const t = this.target;
    if (this.names.headers.has(name, nameLen)) {
      if (nameLen == 6 && indexOfFolded(name, 0, 6, "cookie") == 0) {
        redactCookie(t, value, start, end);
      } else if (nameLen == 10 && indexOfFolded(name, 0, 10, "set-cookie") == 0) {
        redactSetCookie(t, value, start, end);
      } else {
        t.hide(value, start, end, Mark.Text);
        // `Bearer <token>`, `Basic <credentials>`: the credential alone is what gets echoed.
        let sp = start;
        while (sp < end && load<u8>(value + sp) != 0x20) sp++;
        if (sp < end) this.secrets.add(value + sp + 1, end - sp - 1);
      }
      return;
    }
    // A URL, absolute or relative (Referer, Location, ...): the parameters of its query and of its
    // fragment (where OAuth's implicit flow puts tokens) by field name.
    let q = start;
    while (q < end && load<u8>(value + q) != 0x3f && load<u8>(value + q) != 0x23) q++;
    if (q == end) return;
    let h = q;
    if (load<u8>(value + q) == 0x3f) {
      h = q + 1;
      while (h < end && load<u8>(value + h) != 0x23) h++;
      redactUrlEncoded(t, value, q + 1, h);
    }
    if (h < end) redactUrlEncoded(t, value, h + 1, end);
  }

  private markBody(ptr: usize, len: i32, ct: usize, ctLen: i32): void {
    const t = this.target;
    // The kind by the media type alone (`application/json; x=multipart/form-data` is JSON); multipart
    // takes its boundary from the parameters.
    let media = 0;
    while (media < ctLen && load<u8>(ct + media) != 0x3b) media++;
    if (indexOfFolded(ct, 0, media, "multipart/form-data") >= 0) redactMultipart(t, ptr, 0, len, ct, ctLen);
    else if (indexOfFolded(ct, 0, media, "x-www-form-urlencoded") >= 0) redactUrlEncoded(t, ptr, 0, len);
    else if (indexOfFolded(ct, 0, media, "json") >= 0) redactJson(t, ptr, 0, len);
    else if (indexOfFolded(ct, 0, media, "xml") >= 0) redactXml(t, ptr, 0, len);
    else {
      // Mislabelled or unlabelled bodies by their first byte: APIs often send JSON as text/plain.
      let i = 0;
      while (i < len && load<u8>(ptr + i) <= 0x20) i++;
      if (i == len) return;
      const c = load<u8>(ptr + i);
      if (c == 0x7b || c == 0x5b) redactJson(t, ptr, i, len);
      else if (c == 0x3c) redactXml(t, ptr, i, len);
    }
  }
}
