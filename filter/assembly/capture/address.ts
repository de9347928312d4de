/** An "ip:port" (or "[v6]:port") source address split in two. */
export class Address {
  constructor(
    public address: string,
    public port: i32,
  ) {}
}

export function parseAddress(text: string): Address {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close > 0) {
      const port = close + 2 <= text.length && text.charCodeAt(close + 1) == 0x3a ? parsePort(text.substring(close + 2)) : 0;
      return new Address(text.substring(1, close), port);
    }
  }
  const colon = text.lastIndexOf(":");
  // A bare IPv6 address has several colons and no port.
  if (colon < 0 || text.indexOf(":") != colon) return new Address(text, 0);
  return new Address(text.substring(0, colon), parsePort(text.substring(colon + 1)));
}

function parsePort(s: string): i32 {
  if (s.length == 0 || s.length > 5) return 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n <= 65535 ? n : 0;
}
