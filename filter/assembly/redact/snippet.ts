// Whether a verdict's snippet may be stored: not when it was taken from a place redaction hides (a
// cookie, a secret header, a field named like a secret, at any level of its location), nor when it
// shows part of a value redacted anywhere in the exchange. The category and location stay.
import { RedactionNames } from "./names";
import { SecretSet } from "./secrets";

export function snippetHidden(location: string, snippet: string, names: RedactionNames, secrets: SecretSet): bool {
  if (location.startsWith("cookie:")) return names.headers.hasString("cookie");
  if (location.startsWith("header:")) {
    if (names.headers.hasString(location.substring(7))) return true;
  } else if (locationNamesField(location, names)) {
    return true;
  }
  const bytes = String.UTF8.encode(snippet);
  return secrets.overlaps(changetype<usize>(bytes), bytes.byteLength);
}

/** Any segment of `body.json:$.user.password`, `query:token`, `body.xml:/a/@pwd` is a field name. */
function locationNamesField(location: string, names: RedactionNames): bool {
  const bytes = String.UTF8.encode(location);
  const p = changetype<usize>(bytes);
  const len = bytes.byteLength;
  let start = 0;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? load<u8>(p + i) : 0x3a;
    if (c == 0x3a || c == 0x2e || c == 0x2f || c == 0x40 || c == 0x5b || c == 0x5d || c == 0x24) {
      if (i > start && names.fields.has(p + start, i - start)) return true;
      start = i + 1;
    }
  }
  return false;
}
