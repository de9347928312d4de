// PHP code injection: an opening tag that starts code (<?php, <?=, "<? " before a variable or a call;
// never <?xml), a call of a function that runs code or commands, decodes hidden code, or reads and
// writes files — the name at a word boundary, then "(" and an argument that starts like code (a
// variable, a string, a nested call, or ")"), so "system (beta)" in prose stays quiet —, a stream
// wrapper that turns include()/fopen() into code execution or a file read (php://, expect://,
// phar://, zip://, glob://, compress.*://, data://), a serialized PHP object (O:8:"Class":), and an
// index into a request superglobal ($_GET["cmd"], {$_POST[x]}): code that reads the attacker's next input.

import { Hit, B_PHP } from "./types";
import { Lexicon } from "./lexicon";
import { isAlpha, isDigit, isWordByte, isSpaceByte, startsWith } from "./bytes";

const FUNCTIONS = new Lexicon().add(
  "eval assert system exec shell_exec passthru popen proc_open pcntl_exec phpinfo create_function " +
    "call_user_func call_user_func_array base64_decode gzinflate gzuncompress gzdecode str_rot13 " +
    "file_get_contents file_put_contents readfile highlight_file show_source unserialize " +
    "move_uploaded_file putenv ini_set register_shutdown_function get_defined_vars phpversion " +
    "php_uname posix_getpwuid posix_getuid",
  1,
);

const SUPERGLOBALS = new Lexicon().add("_get _post _request _cookie _server _files _env _session", 1);

const WRAPPERS = new Lexicon().add("php expect phar zip glob compress.zlib compress.bzip2 rar ogg ssh2.shell ssh2.exec data", 1);

/** Looks for PHP code injection in normalised bytes; fills `hit` and returns true on a hit. */
export function detectPhp(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q < end; q++) {
    const c = <u32>load<u8>(q);
    if (c == 0x3c) {
      if (openTag(q + 1, end)) return hit.set(B_PHP, "php.open-tag", <i32>(q - p));
    } else if (c == 0x28) {
      if (q > p && isWordByte(load<u8>(q - 1)) && call(p, q, end)) return hit.set(B_PHP, "php.function-call", <i32>(callAt - p));
    } else if (c == 0x3a) {
      if (wrapper(p, q, end)) return hit.set(B_PHP, "php.stream-wrapper", <i32>(callAt - p));
      if (serializedObject(p, q, end)) return hit.set(B_PHP, "php.serialized-object", <i32>(q - 1 - p));
    } else if (c == 0x24) {
      if (superglobalIndex(q + 1, end)) return hit.set(B_PHP, "php.superglobal", <i32>(q - p));
    }
  }
  return false;
}

let callAt: usize = 0;

/** After "<": "?php", "?=", or "? " followed by a variable or a call. */
function openTag(s: usize, end: usize): bool {
  if (s >= end || load<u8>(s) != 0x3f) return false;
  const r = s + 1;
  if (startsWith(r, end, "php")) return r + 3 >= end || !isWordByte(load<u8>(r + 3));
  if (r < end && load<u8>(r) == 0x3d) return true;
  if (r >= end || !isSpaceByte(load<u8>(r))) return false;
  let t = r;
  while (t < end && isSpaceByte(load<u8>(t))) t++;
  if (t < end && load<u8>(t) == 0x24) return true;
  let w = t;
  while (w < end && isWordByte(load<u8>(w))) w++;
  return w > t && w < end && load<u8>(w) == 0x28 && FUNCTIONS.find(t, <i32>(w - t)) >= 0;
}

/** A listed function name right before the "(" at `q`, called with something that looks like code. */
function call(p: usize, q: usize, end: usize): bool {
  let b = q;
  while (b > p && q - b < 32 && isWordByte(load<u8>(b - 1))) b--;
  if (b > p && (isWordByte(load<u8>(b - 1)) || load<u8>(b - 1) == 0x2e)) return false; // a method or a longer name
  if (FUNCTIONS.find(b, <i32>(q - b)) < 0) {
    // "@print(": PHP's error-suppression operator on an output call, as payloads probe with.
    if (!(b > p && load<u8>(b - 1) == 0x40 && q - b == 5 && startsWith(b, q, "print"))) return false;
    callAt = b - 1;
    return true;
  }
  let r = q + 1;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  if (r >= end) return false;
  const c = <u32>load<u8>(r);
  callAt = b;
  if (c == 0x24 || c == 0x27 || c == 0x22 || c == 0x29 || c == 0x60) return true; // $x, 'str', "str", (), `cmd`
  if (c == 0x5f && startsWith(r, end, "__")) return true; // __FILE__, __DIR__
  // A nested call: eval(base64_decode(...)), system(chr(105)...)
  let w = r;
  while (w < end && w - r < 32 && isWordByte(load<u8>(w))) w++;
  return w > r && isAlpha(c) && w < end && load<u8>(w) == 0x28;
}

/** A stream wrapper name before the "://" (or "data:" before a media type) at `q`. */
function wrapper(p: usize, q: usize, end: usize): bool {
  let b = q;
  while (b > p && q - b < 16 && (isWordByte(load<u8>(b - 1)) || load<u8>(b - 1) == 0x2e)) b--;
  if (b == q || (b > p && isWordByte(load<u8>(b - 1)))) return false;
  if (WRAPPERS.find(b, <i32>(q - b)) < 0) return false;
  callAt = b;
  const slashes = q + 2 < end && load<u8>(q + 1) == 0x2f && load<u8>(q + 2) == 0x2f;
  if (q - b == 4 && load<u8>(b) == 0x64) {
    // data: is also how browsers inline images: only the forms PHP includes (data://, text/plain).
    return slashes || startsWith(q + 1, end, "text/plain") || startsWith(q + 1, end, "application/x-httpd-php");
  }
  return slashes;
}

/** After "$": a request superglobal's name and "[" (an element of it read). */
function superglobalIndex(s: usize, end: usize): bool {
  let q = s;
  while (q < end && q - s <= 8 && isWordByte(load<u8>(q))) q++;
  return q > s && q < end && load<u8>(q) == 0x5b && SUPERGLOBALS.find(s, <i32>(q - s)) >= 0;
}

/** O:<len>:"Name": (or C:) — a serialized object that unserialize() instantiates. */
function serializedObject(p: usize, q: usize, end: usize): bool {
  if (q == p) return false;
  const t = load<u8>(q - 1);
  if (t != 0x6f && t != 0x63) return false;
  if (q - 1 > p && isWordByte(load<u8>(q - 2))) return false;
  let r = q + 1;
  const d = r;
  while (r < end && isDigit(load<u8>(r))) r++;
  return r > d && r + 2 < end && load<u8>(r) == 0x3a && load<u8>(r + 1) == 0x22 && isAlpha(load<u8>(r + 2));
}
