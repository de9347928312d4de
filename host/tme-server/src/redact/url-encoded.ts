// Redacts `name=value` pairs of a query string or an
// application/x-www-form-urlencoded body. Pairs are rewritten in place, so
// order, untouched pairs and their original percent-encoding survive.
import { REDACTED, type RedactionPolicy } from './policy.ts';

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

export function redactUrlEncoded(text: string, policy: RedactionPolicy): string {
  if (text === '' || policy.fields.size === 0) return text;
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      return policy.fields.has(decodedName(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}
