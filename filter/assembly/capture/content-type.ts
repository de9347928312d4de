/** True when `contentType` contains any of `allowed` (already lower-cased), ignoring case. */
export function isCapturedContentType(contentType: string, allowed: Array<string>): bool {
  if (contentType.length == 0) return false;
  const ct = contentType.toLowerCase();
  for (let i = 0; i < allowed.length; i++) {
    if (ct.includes(allowed[i])) return true;
  }
  return false;
}
