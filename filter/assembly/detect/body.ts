// A request body, whatever it claims to be: its format is sniffed from the bytes and walked with the
// matching walker (JSON, XML, multipart/form-data, form, or raw text; binary data is not read as text),
// each value at its location. A declared type that the bytes contradict is noted (declaredMismatch) for
// the caller to report.

import { B_XXE } from "./types";
import { scanValue } from "./scan";
import { scanPairs, scanRawBody } from "./extract";
import { scanJson } from "./json-walk";
import { scanXml } from "./xml-walk";
import { MultipartReader } from "./multipart";
import {
  FMT_TEXT,
  FMT_JSON,
  FMT_FORM,
  FMT_XML,
  FMT_MULTIPART,
  FMT_UNSTATED,
  FMT_BINARY,
  declaredFormat,
  sniffFormat,
  sniffBoundary,
  isBoundaryByte,
  BOUNDARY_MAX,
} from "./sniff";
import { lastLocation, setLocation, DOC_CLEAN, DOC_HIT, DOC_INVALID } from "./walk";

/** After scanBody: the declared type named a structured format the bytes proved to be another one. */
export let declaredMismatch = false;

const parts = new MultipartReader();

/**
 * Inspects the body at `p` (`len` bytes; `cut`: cut at the inspection limit). `contentType` is the
 * lower-cased declared type, `rawContentType` the header as sent (a multipart boundary is case-sensitive).
 * True on a hit; lastLocation says where.
 */
export function scanBody(p: usize, len: i32, contentType: string, rawContentType: string, cut: bool, mask: u32): bool {
  declaredMismatch = false;
  const declared = declaredFormat(contentType);
  let format = sniffFormat(p, len);
  // A declared multipart body may open with a preamble: its boundary says where the parts are.
  const boundary = declared == FMT_MULTIPART ? boundaryParam(rawContentType) : null;
  if (boundary !== null && format != FMT_MULTIPART && parts.start(p, len, changetype<usize>(boundary), boundary.byteLength, cut)) {
    format = FMT_MULTIPART;
  }
  const r = scanDocument(p, len, format, boundary, cut, mask);
  if (r == DOC_HIT) return true;
  if (r == DOC_INVALID) {
    if (scanRawBody(p, len, mask)) return true;
    format = FMT_TEXT;
  }
  declaredMismatch = declared != FMT_UNSTATED && format != FMT_TEXT && format != FMT_BINARY && format != declared;
  return false;
}

/** Walks a document of `format`; DOC_INVALID when it is not one (the caller then inspects the text). */
function scanDocument(p: usize, len: i32, format: i32, boundary: ArrayBuffer | null, cut: bool, mask: u32): i32 {
  if (format == FMT_JSON) return scanJson(p, len, mask);
  if (format == FMT_FORM) return scanPairs(p, len, mask, "body.form:", "") ? DOC_HIT : DOC_CLEAN;
  if (format == FMT_XML) {
    // The markup is judged for XXE only (DOCTYPE, ENTITY, XInclude); text and attribute values for all.
    if ((mask & B_XXE) != 0 && scanRawBody(p, len, B_XXE)) return DOC_HIT;
    return scanXml(p, len, mask, cut);
  }
  if (format == FMT_MULTIPART) return scanMultipart(p, len, boundary, cut, mask);
  // Binary bytes read as text are noise that looks like markup and operators: not inspected.
  if (format == FMT_BINARY) return DOC_CLEAN;
  return scanRawBody(p, len, mask) ? DOC_HIT : DOC_CLEAN;
}

/**
 * Each part: its name ("body.multipart-name"), its filename ("body.multipart:<name>/filename") and its
 * content ("body.multipart:<name>", walked by its own content type or, without one, by its bytes).
 */
function scanMultipart(p: usize, len: i32, boundary: ArrayBuffer | null, cut: bool, mask: u32): i32 {
  let bp: usize;
  let bl: i32;
  if (boundary !== null) {
    bp = changetype<usize>(boundary);
    bl = boundary.byteLength;
  } else {
    bl = sniffBoundary(p, len);
    bp = p + 2;
  }
  if (!parts.start(p, len, bp, bl, cut)) return DOC_INVALID;
  while (parts.next()) {
    const np = parts.namePtr;
    const nl = parts.nameLen;
    if (nl > 0 && scanValue(np, nl, 0, mask)) {
      setLocation("body.multipart-name");
      return DOC_HIT;
    }
    if (parts.filenameLen > 0 && scanValue(parts.filenamePtr, parts.filenameLen, 0, mask)) {
      setLocation("body.multipart:" + partName(np, nl) + "/filename");
      return DOC_HIT;
    }
    if (parts.dataLen > 0 && scanPart(parts.dataPtr, parts.dataLen, cut && parts.dataPtr + <usize>parts.dataLen == p + <usize>len, mask)) {
      // "body" → "body.multipart:<name>", "body.json:$.a" → "body.multipart:<name>.json:$.a"
      setLocation("body.multipart:" + partName(np, nl) + lastLocation.substring(4));
      return DOC_HIT;
    }
  }
  return parts.valid ? DOC_CLEAN : DOC_INVALID;
}

/** One part's content: by its declared type when that names a format, else by its bytes (no nesting). */
function scanPart(p: usize, len: i32, cut: bool, mask: u32): bool {
  let format = FMT_UNSTATED;
  if (parts.typeLen > 0) format = declaredFormat(String.UTF8.decodeUnsafe(parts.typePtr, parts.typeLen).toLowerCase());
  if (format == FMT_UNSTATED) format = sniffFormat(p, len);
  if (format == FMT_MULTIPART) format = FMT_TEXT;
  const r = scanDocument(p, len, format, null, cut, mask);
  return r == DOC_HIT || (r == DOC_INVALID && scanRawBody(p, len, mask));
}

function partName(p: usize, n: i32): string {
  return n > 0 ? String.UTF8.decodeUnsafe(p, n) : "";
}

/** The boundary parameter of a Content-Type header (quoted or bare), or null. */
function boundaryParam(contentType: string): ArrayBuffer | null {
  const lower = contentType.toLowerCase();
  let i = lower.indexOf("boundary=");
  if (i < 0) return null;
  i += 9;
  let e: i32;
  if (i < contentType.length && contentType.charCodeAt(i) == 0x22) {
    i++;
    e = contentType.indexOf('"', i);
    if (e < 0) return null;
  } else {
    e = i;
    while (
      e < contentType.length &&
      contentType.charCodeAt(e) != 0x3b &&
      contentType.charCodeAt(e) != 0x20 &&
      isBoundaryByte(contentType.charCodeAt(e))
    )
      e++;
  }
  if (e - i <= 0 || e - i > BOUNDARY_MAX) return null;
  return String.UTF8.encode(contentType.substring(i, e));
}
