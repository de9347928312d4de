// The engine's public types: what a caller passes in (RequestView, DetectOptions) and what it gets
// back (Finding).

import { HeaderList } from "../http/headers";

export const CAT_SQLI = "sqli";
export const CAT_XSS = "xss";
export const CAT_TRAVERSAL = "traversal";
export const CAT_CMDI = "cmdi";
export const CAT_JNDI = "jndi";
export const CAT_SSTI = "ssti";
export const CAT_NOSQLI = "nosqli";
export const CAT_XXE = "xxe";
export const CAT_LDAPI = "ldapi";
export const CAT_CRLF = "crlf";
export const CAT_SCANNER = "scanner";
export const CAT_PHP = "php";
export const CAT_JAVA = "java";
export const CAT_RFI = "rfi";
export const CAT_SSRF = "ssrf";
export const CAT_PROTO = "protopollution";
export const CAT_PROTOCOL = "protocol";
export const CAT_SESSION = "sessionfixation";

/** Category bits, in the order of ALL_CATEGORIES. */
export const B_SQLI: u32 = 1;
export const B_XSS: u32 = 2;
export const B_TRAVERSAL: u32 = 4;
export const B_CMDI: u32 = 8;
export const B_JNDI: u32 = 16;
export const B_SSTI: u32 = 32;
export const B_NOSQLI: u32 = 64;
export const B_XXE: u32 = 128;
export const B_LDAPI: u32 = 256;
export const B_CRLF: u32 = 512;
export const B_SCANNER: u32 = 1024;
export const B_PHP: u32 = 2048;
export const B_JAVA: u32 = 4096;
export const B_RFI: u32 = 8192;
export const B_SSRF: u32 = 16384;
export const B_PROTO: u32 = 32768;
export const B_PROTOCOL: u32 = 65536;
export const B_SESSION: u32 = 131072;

export function allCategories(): Array<string> {
  return [
    CAT_SQLI,
    CAT_XSS,
    CAT_TRAVERSAL,
    CAT_CMDI,
    CAT_JNDI,
    CAT_SSTI,
    CAT_NOSQLI,
    CAT_XXE,
    CAT_LDAPI,
    CAT_CRLF,
    CAT_SCANNER,
    CAT_PHP,
    CAT_JAVA,
    CAT_RFI,
    CAT_SSRF,
    CAT_PROTO,
    CAT_PROTOCOL,
    CAT_SESSION,
  ];
}

/** Bit set of the named categories; unknown names are ignored. */
export function categoryMask(names: Array<string>): u32 {
  const all = allCategories();
  let m: u32 = 0;
  for (let i = 0; i < names.length; i++) {
    const k = all.indexOf(names[i]);
    if (k >= 0) m |= (<u32>1) << k;
  }
  return m;
}

export function categoryName(bit: u32): string {
  const all = allCategories();
  for (let k = 0; k < all.length; k++) if (bit == (<u32>1) << k) return all[k];
  return "unknown";
}

export class Finding {
  category: string = "";
  /** Stable id of the rule that fired, e.g. "sqli.tautology". */
  rule: string = "";
  /**
   * Where: "path", "query:<name>", "query-name", "header:<name>", "header-name", "cookie:<name>",
   * "cookie-name", "body", "body.form:<name>", "body.json:$.a[0]", "body.xml:/a/b/@c",
   * "body.multipart:<name>[/filename|.json:$.a|...]", "body.multipart-name", "header:content-type".
   */
  location: string = "";
  /** Up to 64 characters of the normalised input around the match. */
  snippet: string = "";
  /** An irregularity worth reporting that never blocks on its own (the verdict is monitor). */
  monitorOnly: bool = false;
}

export class DetectOptions {
  categories: Array<string> = allCategories();
  /** Header names to inspect (lower-case); cookies are always inspected, one value at a time. */
  headers: Array<string> = ["user-agent", "referer"];
  maxBodyBytes: i32 = 131072;
  private maskOf: Array<string> | null = null;
  private maskBits: u32 = 0;

  /** `categories` as bits, worked out once per list rather than on every request. */
  get mask(): u32 {
    const names = this.categories;
    if (names !== this.maskOf) {
      this.maskBits = categoryMask(names);
      this.maskOf = names;
    }
    return this.maskBits;
  }
}

export class RequestView {
  method: string = "GET";
  /** Path without the query, as received (not decoded). */
  path: string = "/";
  /** Raw query string without '?'. */
  query: string = "";
  headers: HeaderList = HeaderList.empty();
  /** Lower-cased. */
  contentType: string = "";
  bodyPtr: usize = 0;
  bodyLen: i32 = 0;
}

/** What a detector reports: the rule that fired and where in the normalised bytes. */
export class Hit {
  category: u32 = 0;
  rule: string = "";
  offset: i32 = 0;

  @inline set(category: u32, rule: string, offset: i32): bool {
    this.category = category;
    this.rule = rule;
    this.offset = offset;
    return true;
  }
}
