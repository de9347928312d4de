import { HeaderList } from "../http/headers";
import { indexOfFolded } from "../redact/names";

/**
 * True when the content-type of `headers` contains any of `allowed` (ASCII, already lower-cased),
 * ignoring case: compared in the host's buffer, without decoding or lower-casing a copy.
 */
export function isCapturedContentType(headers: HeaderList, allowed: Array<string>): bool {
  const i = headers.indexOf("content-type");
  if (i < 0) return false;
  const ptr = headers.valuePtr(i);
  const len = headers.valueLength(i);
  if (len == 0) return false;
  for (let k = 0; k < allowed.length; k++) {
    if (indexOfFolded(ptr, 0, len, unchecked(allowed[k])) >= 0) return true;
  }
  return false;
}

/**
 * True when the body of `headers` is sent with a content-coding (gzip, br, deflate, ...): its bytes
 * cannot be redacted (or inspected) as they are, so no record may hold them.
 */
export function hasContentCoding(headers: HeaderList): bool {
  const i = headers.indexOf("content-encoding");
  if (i < 0) return false;
  const ptr = headers.valuePtr(i);
  let start = 0;
  let end = headers.valueLength(i);
  while (start < end && load<u8>(ptr + start) <= 0x20) start++;
  while (end > start && load<u8>(ptr + end - 1) <= 0x20) end--;
  if (start == end) return false;
  return !(end - start == 8 && indexOfFolded(ptr, start, end, "identity") == start);
}
