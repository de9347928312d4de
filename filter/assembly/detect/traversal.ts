// Path traversal and file inclusion. The normalised value is first rewritten as a path (backslashes
// as '/', runs of '/' collapsed, "./" segments dropped) into a scratch buffer; then one pass looks for
//  - a segment made only of dots (".." and the "...." variants) used as a directory step;
//  - names of files and directories that only an attacker asks for (etc/passwd, win.ini, WEB-INF/...);
//  - stream wrappers and schemes that read local files or code (file:, php://filter, phar://...);
//  - an absolute value padded right after its root with empty or "." segments ("///x", "/./x").

import { Hit, B_TRAVERSAL } from "./types";
import { Lexicon } from "./lexicon";
import { Scratch, isAlpha, isWordByte, isSpaceByte } from "./bytes";

const path = new Scratch(1024);

const F_FILE = 1; // sensitive file or directory: fire wherever it appears as a path component
const F_SCHEME = 2; // wrapper or scheme: fire when at a word boundary
const F_SQUASHED = 3; // sensitive path with its separators deleted: fire at a word start

const SENSITIVE = new Lexicon()
  .add(
    "etc/passwd etc/shadow etc/group etc/hosts etc/issue etc/motd etc/sudoers etc/crontab etc/fstab " +
      "etc/hostname etc/resolv.conf etc/profile etc/bashrc etc/ssh/ etc/apache etc/httpd/ etc/nginx/ " +
      "etc/mysql/ etc/my.cnf etc/php etc/inetd.conf etc/security/ etc/environment etc/master.passwd " +
      "etc/netrc etc/lsb-release etc/os-release etc/redhat-release etc/debian_version etc/network/ " +
      "etc/init.d/ etc/rc.d/ etc/ftpusers etc/vsftpd etc/samba/ etc/ldap etc/exports etc/aliases " +
      "etc/syslog etc/logrotate etc/timezone etc/mtab etc/ld.so etc/modules etc/login.defs etc/pam.d " +
      "etc/cron etc/x11/ etc/sysconfig/ etc/release etc/chrootusers etc/knockd etc/proftpd etc/pure-ftpd " +
      "etc/tomcat etc/wgetrc etc/hosts.allow etc/hosts.deny etc/passwd- etc/shells " +
      "proc/self/ proc/version proc/cpuinfo proc/meminfo proc/mounts proc/net/ proc/cmdline proc/sched_debug " +
      "proc/1/ proc/devices proc/interrupts proc/loadavg proc/partitions proc/stat proc/swaps " +
      "var/log/ var/www/ var/mail/ var/spool/ var/lib/mysql var/run/ var/apache var/lib/php " +
      "usr/local/apache usr/local/etc/ usr/local/lib/php usr/local/php usr/pkg/etc usr/local/app " +
      "root/. .ssh/ id_rsa id_dsa id_ecdsa id_ed25519 authorized_keys known_hosts .bash_history " +
      ".bash_profile .bashrc .zsh_history .mysql_history .htaccess .htpasswd .git/ .svn/ .hg/ .ds_store " +
      ".aws/ .docker/ .kube/ .npmrc .netrc .pgpass web-inf/ meta-inf/ wp-config.php " +
      "configuration.php localsettings.php config.inc.php php.ini httpd.conf httpd-vhosts.conf my.ini my.cnf " +
      "web.config applicationhost.config boot.ini win.ini system.ini autoexec.bat ntuser.dat " +
      "windows/system32 windows/repair windows/win windows/panther windows/debug windows/system. " +
      "windows/temp windows/php.ini windows/my.ini winnt/ system32/ inetpub/ sam.log " +
      "xampp/ wamp/ apache/logs apache2/logs apache/conf apache2/conf access_log error_log access.log " +
      "error.log server.xml tomcat-users.xml shadow- passwd- sysprep.inf sysprep.xml unattend.xml " +
      "unattended.xml autounattend.xml c$/ admin$/ global.asa",
    F_FILE,
  )
  // The same paths with their separators deleted, as they arrive when a layer strips '\' (or '/')
  // from a Windows-style payload: "....etcpasswd", "c:windowswin.ini", "c:inetpubwwwrootglobal.asa".
  // Glued to whatever followed them, so they need no boundary after.
  .add("etcpasswd etcshadow web-infweb.xml windowswin.ini windowssystem32 winntsystem32 inetpubwwwroot", F_SQUASHED)
  .add(
    "file: php://filter php://input php://fd php://memory php://temp php://stdin zip:// phar:// " +
      "expect:// glob:// data:// zlib:// compress.zlib:// compress.bzip2:// ogg:// rar:// ssh2. " +
      // (gopher://, dict://, tftp:// talk to network services: SSRF's schemes, reported as such.)
      "jar:file jar:http netdoc: " +
      // PHP stream filters, named alone as filter-chain payloads pass them
      "convert.iconv. convert.base64-decode convert.base64-encode convert.quoted-printable string.rot13 zlib.inflate zlib.deflate",
    F_SCHEME,
  );

/** Top-level directories of a Unix system that a parameter value has no reason to name. */
const SYSTEM_DIRS = new Lexicon().add("etc/ var/ usr/ proc/ sys/ root/ dev/ bin/ sbin/ boot/ lib/ lib64/", 1);

/** Top-level names of a Windows drive that a drive-relative value has no reason to name. */
const WINDOWS_DIRS = new Lexicon().add("windows winnt inetpub boot.ini program documents system32 wwwroot users/ autoexec.bat", 1);

/** Looks for traversal or file inclusion in normalised bytes; fills `hit` and returns true on a hit. */
export function detectTraversal(p: usize, len: i32, isUrlPath: bool, hit: Hit): bool {
  const n = toPath(p, len);
  const b = path.ptr;
  const end = b + <usize>n;
  if (hexDotDot >= 0) return hit.set(B_TRAVERSAL, "traversal.dot-dot", hexDotDot);
  let segStart = b;
  for (let q = b; q <= end; q++) {
    const c: u32 = q < end ? <u32>load<u8>(q) : 0x2f;
    // Dots glued to a placeholder inside a segment ("aaaa....{file}": truncation padding, then steps
    // whose separators were lost). At the segment's start isDotStep sees it; JS spread ("[...{") has
    // punctuation before its dots.
    if (c == 0x7b && q - segStart >= 3 && load<u8>(q - 1) == 0x2e && load<u8>(q - 2) == 0x2e) {
      let d = q - 2;
      while (d > segStart && load<u8>(d - 1) == 0x2e) d--;
      if (d > segStart && isWordByte(load<u8>(d - 1))) return hit.set(B_TRAVERSAL, "traversal.dot-dot", <i32>(d - b));
    }
    if (c == 0x2f) {
      // Segment [segStart, q): a step up when it is two or more dots (optionally ";..." after them).
      if (q - segStart >= 2 && isDotStep(segStart, q)) {
        if (gluedHex) return hit.set(B_TRAVERSAL, "traversal.dot-dot", <i32>(segStart - b));
        // "../" or a final "/.." (a bare ".." is not a path; a final "/..." is punctuation).
        if (q < end || (segStart > b && (q - segStart == 2 || load<u8>(q - 1) != 0x2e))) {
          return hit.set(B_TRAVERSAL, "traversal.dot-dot", <i32>(segStart - b));
        }
      }
      segStart = q + 1;
      continue;
    }
    // Names are tried only where a word starts (or at a dot: "x.htaccess"), so this stays cheap.
    const before: u32 = q > b ? <u32>load<u8>(q - 1) : 0x2f;
    const startOk = c == 0x2e || !isWordByte(before);
    if (startOk && SENSITIVE.hasFirst(c)) {
      const k = SENSITIVE.prefixAt(q, end);
      if (k >= 0) {
        const v = SENSITIVE.valueAt(k);
        const m = SENSITIVE.lengthAt(k);
        const after: u32 = q + <usize>m < end ? <u32>load<u8>(q + <usize>m) : 0x2f;
        const last = <u32>load<u8>(q + <usize>m - 1);
        const endOk = last == 0x2f || last == 0x2e || last == 0x3a || !isWordByte(after) || v != F_FILE;
        if (startOk && endOk) {
          return hit.set(B_TRAVERSAL, v == F_SCHEME ? "traversal.wrapper" : "traversal.sensitive-file", <i32>(q - b));
        }
      }
    }
  }
  // A value that is an absolute path into a system directory (not for the URL path itself).
  if (!isUrlPath && n >= 5 && load<u8>(b) == 0x2f && SYSTEM_DIRS.prefixAt(b + 1, end) >= 0) {
    const k = SYSTEM_DIRS.prefixAt(b + 1, end);
    if (SYSTEM_DIRS.lengthAt(k) + 1 < n) return hit.set(B_TRAVERSAL, "traversal.absolute-path", 0);
  }
  if (!isUrlPath && paddedRoot(p, len)) return hit.set(B_TRAVERSAL, "traversal.padded-root", 0);
  // A drive-letter absolute path: c:/..., at the start; or drive-relative into a system directory
  // (c:windows\win.ini, d:inetpub\wwwroot: "X:name" is relative to the drive's current directory).
  if (n >= 3 && isAlpha(load<u8>(b)) && load<u8>(b + 1) == 0x3a) {
    if (load<u8>(b + 2) == 0x2f && (n == 3 || isAlpha(load<u8>(b + 3)))) return hit.set(B_TRAVERSAL, "traversal.absolute-path", 0);
    const k = WINDOWS_DIRS.prefixAt(b + 2, end);
    if (k >= 0) {
      const e = b + 2 + <usize>WINDOWS_DIRS.lengthAt(k);
      if (e >= end || !isWordByte(load<u8>(e)) || load<u8>(e - 1) == 0x2f) return hit.set(B_TRAVERSAL, "traversal.absolute-path", 0);
    }
  }
  return false;
}

/**
 * An absolute path padded right after its root with empty or "." segments ("///x", "/./x", "/.//./x",
 * "\\.\pipe"): what slips a path past a check on its prefix, or pads it for truncation. "//host" alone
 * is a network path; "/// <reference" and comment banners are followed by a space or nothing.
 */
function paddedRoot(p: usize, len: i32): bool {
  if (len < 3 || !isSeparator(load<u8>(p))) return false;
  let q = 1;
  let empty = 0;
  let dot = 0;
  while (q < len) {
    const c = load<u8>(p + q);
    if (isSeparator(c)) {
      empty++;
      q++;
    } else if (c == 0x2e && (q + 1 == len || isSeparator(load<u8>(p + q + 1)))) {
      dot++;
      q += 2;
    } else {
      break;
    }
  }
  if (dot == 0 && empty < 2) return false;
  return q < len ? !isSpaceByte(load<u8>(p + q)) : dot > 0;
}

function isSeparator(c: u32): bool {
  return c == 0x2f || c == 0x5c;
}

/** Set by isDotStep: the dots were glued to a separator's hex ("..2f"), a step wherever it stands. */
let gluedHex = false;

function isDotStep(s: usize, e: usize): bool {
  gluedHex = false;
  let q = s;
  while (q < e && load<u8>(q) == 0x2e) q++;
  if (q - s < 2) return false;
  if (q == e) return true;
  // Tomcat-style "..;param", trailing spaces Windows ignores, or dots glued to a placeholder.
  const c = load<u8>(q);
  if (c == 0x3b || c == 0x7b || c == 0x3f || c == 0x25) return true;
  // Dots glued to the hex of a separator whose '%' was lost: "..2f..2fetc2fpasswd", "..5c".
  if (q + 1 < e && ((c == 0x32 && load<u8>(q + 1) == 0x66) || (c == 0x35 && load<u8>(q + 1) == 0x63))) {
    gluedHex = true;
    return true;
  }
  while (q < e && (load<u8>(q) == 0x20 || load<u8>(q) == 0x2e)) q++;
  return q == e;
}

/** Set by toPath: where two dots both spelled as hex ("0x2e0x2e") met, or -1. */
let hexDotDot: i32 = -1;

/** Rewrites the value as a path into `path`: '\' → '/', "//" → "/", "/./" → "/". Returns the length. */
function toPath(p: usize, len: i32): i32 {
  path.ensure(len);
  const out = path.ptr;
  let o = out;
  const end = p + <usize>len;
  let q = p;
  hexDotDot = -1;
  let hexDotEnd: usize = 0; // output position right after the last hex-spelled dot
  while (q < end) {
    let c = <u32>load<u8>(q);
    let hexDot = false;
    // "0x2e" / "0x2f" / "0x5c": hex spelled out, as traversal fuzzers do.
    if (
      (c == 0x30 && q + 3 < end && load<u8>(q + 1) == 0x78 && load<u8>(q + 2) == 0x32) ||
      (c == 0x30 && q + 3 < end && load<u8>(q + 1) == 0x78 && load<u8>(q + 2) == 0x35)
    ) {
      const d = load<u8>(q + 3);
      const h = load<u8>(q + 2);
      if (h == 0x32 && d == 0x65) {
        c = 0x2e;
        q += 3;
        hexDot = true;
      } else if (h == 0x32 && d == 0x66) {
        c = 0x2f;
        q += 3;
      } else if (h == 0x35 && d == 0x63) {
        c = 0x2f;
        q += 3;
      }
    }
    if (c == 0x5c) {
      // "\." right after a dot: the backslash escapes the dot (.\.\./ reads ../ to an unescaping
      // layer), and in the Windows reading a run of dots stays a run of dots: drop it.
      if (q + 1 < end && load<u8>(q + 1) == 0x2e && o > out && load<u8>(o - 1) == 0x2e) {
        q++;
        continue;
      }
      c = 0x2f;
    }
    const atSegStart = o == out || load<u8>(o - 1) == 0x2f;
    if (c == 0x2f && o > out && load<u8>(o - 1) == 0x2f && !(o - 1 > out && load<u8>(o - 2) == 0x3a)) {
      // keep scheme://
      q++;
      continue;
    }
    if (c == 0x2e && atSegStart && o > out) {
      // "/./" → "/"
      const next: u32 = q + 1 < end ? <u32>load<u8>(q + 1) : 0;
      // (not ".\." : there the backslash escapes a dot, see above)
      if (next == 0x2f || (next == 0x5c && !(q + 2 < end && load<u8>(q + 2) == 0x2e))) {
        q += 2;
        continue;
      }
    }
    if (hexDot) {
      // A spelled-out ".." is a step whatever follows it ("0x2e0x2ex2e{file}"): no value spells dots so.
      if (hexDotEnd == o && o > out && hexDotDot < 0) hexDotDot = <i32>(o - 1 - out);
      hexDotEnd = o + 1;
    }
    store<u8>(o++, <u8>c);
    q++;
  }
  return <i32>(o - out);
}
