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
