// OS command injection. Shell syntax that starts a new command (; | || & && newline, `...`, $(...),
// a literal "\n" as payload lists write it) is followed, in one pass, by a look at the word in command
// position: quotes and backslashes inside it are dropped (c'a't, w\ho\ami), a directory prefix is
// removed (/usr/bin/id). Whether that word is a command depends on how unambiguous it is:
//  - recon tools (whoami, uname, ifconfig...) need nothing else;
//  - other unambiguous tools (wget, nc, bash...) need a command separator before them;
//  - words that are also English (cat, sleep, type, find...) need a hard separator and an argument that
//    looks like shell (an option, a path, a number, a variable) or nothing after them.
// Also: $IFS tricks, shellshock "() {", server-side includes <!--#exec, and calls of the code-exec
// functions of scripting languages (system(, passthru(, Runtime.getRuntime().exec(...)).

import { Hit, B_CMDI } from "./types";
import { Lexicon } from "./lexicon";
import { isAlpha, isDigit, isWordByte, isSpaceByte, startsWith } from "./bytes";

const C_WEAK = 1;
const C_STRONG = 2;
const C_RECON = 3;
const C_INTERP = 4; // interpreters and shells named like languages: need arguments

const COMMANDS = new Lexicon()
  .add("whoami uname ifconfig ipconfig netstat systeminfo tasklist getent nbtstat", C_RECON)
  .add(
    "wget curl ncat netcat nc nslookup bash zsh ksh csh tcsh dash sh powershell pwsh cmd certutil " +
      "bitsadmin taskkill wmic chmod chown chgrp useradd usermod nmap socat busybox xterm telnet tftp " +
      "nohup crontab base64 xxd ls pwd traceroute tracert rmdir mkdir sudo killall pkill lsof " +
      "systemctl mkfifo uptime msiexec rundll32 regsvr32 mshta cscript wscript schtasks icacls " +
      "reg.exe cmd.exe powershell.exe net.exe ping.exe netsh sysinfo ifup ifdown iptables",
    C_STRONG,
  )
  .add("python python2 python3 perl php ruby node lua java jrunscript gcc", C_INTERP)
  .add(
    "id cat echo printf sleep kill ping dir type more less head tail grep egrep find awk sed sort " +
      "cut wc xargs env set export touch which whereis history last who hostname date cp mv rm ln " +
      "ssh scp dig host reg sc net del copy start exit ver vol ps tac nl od strings file stat " +
      "timeout mail sendmail ftp rsync tar zip unzip gzip mount kill tee passwd groups finger " +
      "eval exec source shutdown reboot true false route arp",
    C_WEAK,
  );

/** Sub-commands that make an ambiguous word (net, reg, sc...) a Windows administration command. */
const SUBCOMMANDS = new Lexicon().add(
  "view user users localgroup use share session group accounts add query delete export save import " +
    "create config firewall advfirewall interface wlan stop start",
  1,
);

/** Functions that run commands or code in scripting languages. */
const CODE_EXEC = new Lexicon().add(
  "system exec shell_exec passthru popen proc_open pcntl_exec phpinfo assert create_function " +
    "call_user_func getruntime processbuilder subprocess.call subprocess.popen subprocess.run " +
    "subprocess.check_output os.system os.popen os.exec child_process execsync spawnsync " +
    "__import__ file_get_contents fsockopen include_once require_once",
  1,
);

const M_START = 0; // at the start of the value
const M_SOFT = 1; // after ; or a newline
const M_HARD = 2; // after | || & && or inside `...` / $(...)
const M_SUBST = 3; // inside `...` or $(...)

let cmdAt: usize = 0;

/** Looks for command injection in normalised bytes; fills `hit` and returns true on a hit. */
export function detectCmdi(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  if (detectLeadingCommand(p, len, hit)) return true;
  if (openingPipe(p, end)) return hit.set(B_CMDI, "cmdi.chained-command", 0);
  // End of the blank run the last chained-command check skipped: a newline inside it leads to the same
  // word, so it is not checked again (runs of newlines would otherwise cost quadratic time).
  let blankUntil: usize = 0;
  for (let q = p; q < end; q++) {
    const c = <u32>load<u8>(q);
    let mode = -1;
    let s = q + 1;
    if (c == 0x3b || c == 0x0a || c == 0x0d) mode = M_SOFT;
    else if (c == 0x7c || c == 0x26) {
      mode = M_HARD;
      if (s < end && <u32>load<u8>(s) == c) s++;
      q = s - 1;
    } else if (c == 0x60) mode = M_SUBST;
    else if (c == 0x24) {
      if (s < end && load<u8>(s) == 0x28) {
        mode = M_SUBST;
        s++;
      } else if (isIfs(s, end)) {
        return hit.set(B_CMDI, "cmdi.ifs", <i32>(q - p));
      } else if (substringExpansion(s, end)) {
        return hit.set(B_CMDI, "cmdi.variable-expansion", <i32>(q - p));
      }
    } else if (literalBreak(q, end)) {
      // "\n" or "\r" as payload lists write a line break
      mode = M_SOFT;
      s++;
    } else if (c == 0x28) {
      if (atValueStart(p, q) && shellshock(q, end)) return hit.set(B_CMDI, "cmdi.shellshock", <i32>(q - p));
    } else if (c == 0x3c) {
      if (startsWith(q, end, "<!--#exec") || startsWith(q, end, "<!--#include")) return hit.set(B_CMDI, "cmdi.ssi", <i32>(q - p));
    } else if (
      c == 0x25 &&
      s + 1 < end &&
      load<u8>(s) == 0x78 &&
      (load<u8>(s + 1) == 0x28 || load<u8>(s + 1) == 0x7b) &&
      (q == p || !isWordByte(load<u8>(q - 1)))
    ) {
      return hit.set(B_CMDI, "cmdi.ruby-exec", <i32>(q - p)); // %x(cmd), %x{cmd}: Ruby's command literal
    } else if (c == 0x7b) {
      // {cmd,arg}
      if (braceCommand(s, end)) return hit.set(B_CMDI, "cmdi.brace-expansion", <i32>(q - p));
    }
    if (mode >= 0) {
      // Same word, a mode no more permissive (soft) and no more attached: the answer is already known.
      const known = mode == M_SOFT && q < blankUntil && (lastAttached || !isAttached(s, end));
      if (!known) {
        if (commandAt(s, end, mode)) return hit.set(B_CMDI, "cmdi.chained-command", <i32>(cmdAt - p));
        blankUntil = blankEnd;
      }
    }
    if (c == 0x28 && q > p && isAlpha(load<u8>(q - 1)) && codeExec(p, q)) return hit.set(B_CMDI, "cmdi.code-exec", <i32>(cmdAt - p));
  }
  return false;
}

/**
 * The first part of detectCmdi: a command word opening the value. For a value without the bytes the
 * rest of detectCmdi acts on (; | & newline ` $ ( { < \\), this is all of it.
 */
export function detectLeadingCommand(p: usize, len: i32, hit: Hit): bool {
  return commandAt(p, p + <usize>len, M_START) && hit.set(B_CMDI, "cmdi.command", <i32>(cmdAt - p));
}

const word = memory.data(32);

/** Set by commandAt: where its leading blanks (spaces, '+', quotes, '(' '{') ended, and whether it was attached. */
let blankEnd: usize = 0;
let lastAttached = false;

/** The word would start right at `s` (no space or '+' before it). */
function isAttached(s: usize, end: usize): bool {
  return s < end && !isSpaceByte(load<u8>(s)) && load<u8>(s) != 0x2b;
}

/** Whether a command word sits at `s` (after optional spaces/quotes/path) and fits `mode`. */
function commandAt(s: usize, end: usize, mode: i32): bool {
  let q = s;
  const attached = isAttached(q, end);
  while (
    q < end &&
    (isSpaceByte(load<u8>(q)) ||
      load<u8>(q) == 0x2b ||
      load<u8>(q) == 0x22 ||
      load<u8>(q) == 0x27 ||
      load<u8>(q) == 0x28 ||
      load<u8>(q) == 0x7b)
  )
    q++;
  blankEnd = q;
  lastAttached = attached;
  if (q >= end) return false;
  // Read the first token (up to a space or separator), dropping quotes and backslashes.
  const tokStart = q;
  let n = 0;
  let lastSlash = -1;
  let dollar = false;
  let wild = false;
  let forward = false;
  while (q < end) {
    const c = <u32>load<u8>(q);
    if (
      isSpaceByte(c) ||
      c == 0x3b ||
      c == 0x7c ||
      c == 0x26 ||
      c == 0x60 ||
      c == 0x29 ||
      c == 0x3e ||
      c == 0x3c ||
      c == 0x2b ||
      c == 0x7d ||
      c == 0x2c
    )
      break;
    // A written-out line break ends the word when no word material follows it ("id\n", "/usr/bin/id\n\n");
    // glued to letters it is more likely a Windows path ("c:\new").
    if (literalBreak(q, end) && (q + 2 >= end || !isWordByte(load<u8>(q + 2)))) break;
    if (c == 0x24) {
      // $@ or ${x} inserted to break words: skip them.
      if (q + 1 < end && load<u8>(q + 1) == 0x40) {
        q += 2;
        continue;
      }
      // A variable as the whole command ("; x=id; $x"): what runs is whatever it holds.
      if (q == tokStart && mode != M_START && variableCommand(q + 1, end)) {
        cmdAt = tokStart;
        return true;
      }
      dollar = true;
      break;
    }
    if (c == 0x3f || c == 0x2a) wild = true;
    q++;
    if (q - tokStart > 64) return false;
    if (c == 0x22 || c == 0x27) continue;
    if (c == 0x5c) {
      lastSlash = n; // a Windows path separator or an escape: both end a directory prefix
      continue;
    }
    if (c == 0x2f) {
      lastSlash = n;
      forward = true;
      continue;
    }
    if (n < 32) store<u8>(word + n, <u8>c);
    n++;
    if (n > 40) return false;
  }
  const tokEnd = q;
  if (dollar) return false;
  let ws = lastSlash >= 0 ? lastSlash : 0;
  let wn = n - ws;
  if (wn <= 0 || wn > 32) return false;
  // c:windows... → drop a drive; .exe → drop
  let k = COMMANDS.find(word + ws, wn);
  if (k < 0 && wn > 4 && load<u8>(word + ws + wn - 4) == 0x2e) k = COMMANDS.find(word + ws, wn - 4);
  // Backslashes without a '/' may be escapes inside one word (w\ho\am\i), not a Windows path.
  if (k < 0 && lastSlash >= 0 && !forward && n <= 32) {
    k = COMMANDS.find(word, n);
    if (k >= 0) {
      ws = 0;
      wn = n;
      lastSlash = -1;
    }
  }
  if (k < 0) {
    // /bin/c?t, /???/??t: a command named by a glob the shell expands.
    if (!(wild && forward && load<u8>(tokStart) == 0x2f && mode != M_START)) return false;
    cmdAt = tokStart;
    return true;
  }
  const hasPath = lastSlash >= 0;
  cmdAt = tokStart;
  // What follows the command.
  let r = tokEnd;
  while (r < end && (isSpaceByte(load<u8>(r)) || load<u8>(r) == 0x2b)) r++;
  if (startsWith(r, end, "$ifs") || startsWith(r, end, "${ifs")) return true;
  const atEnd = r >= end;
  const c = atEnd ? <u32>0 : <u32>load<u8>(r);
  // "data:image/png;base64,...": a word glued to a comma is a list item, never a command.
  if (c == 0x2c && r == tokEnd) return false;
  const sepNext =
    atEnd || c == 0x3b || c == 0x7c || c == 0x26 || c == 0x60 || c == 0x29 || c == 0x0a || c == 0x3e || c == 0x3c || literalBreak(r, end);
  const shellArg =
    !atEnd &&
    ((c == 0x2d && r + 1 < end && (isAlpha(load<u8>(r + 1)) || isDigit(load<u8>(r + 1)) || load<u8>(r + 1) == 0x2d)) ||
      (c == 0x2f && r + 1 < end && (isWordByte(load<u8>(r + 1)) || load<u8>(r + 1) == 0x2e || load<u8>(r + 1) == 0x2a)) ||
      c == 0x7e ||
      c == 0x24 ||
      (c == 0x2e && r + 1 < end && (load<u8>(r + 1) == 0x2f || load<u8>(r + 1) == 0x2e)) ||
      (isAlpha(c) && r + 1 < end && load<u8>(r + 1) == 0x3a && (r + 2 >= end || !isWordByte(load<u8>(r + 2)))) ||
      c == 0x5c ||
      c == 0x22 ||
      c == 0x27 ||
      (c == 0x25 && r + 1 < end && isAlpha(load<u8>(r + 1))));
  const numArg = !atEnd && isDigit(c);
  const anyArg = !atEnd && !sepNext;
  // A second command or sub-command as the argument: "which wget", "sudo ls", "net user", "reg add".
  let argWord = 0;
  if (anyArg && isAlpha(c)) {
    let e = r;
    while (e < end && e - r < 16 && (isWordByte(load<u8>(e)) || load<u8>(e) == 0x2e)) e++;
    const after: u32 = e < end ? <u32>load<u8>(e) : 0x20;
    if (isSpaceByte(after) || after == 0x2b || after == 0x3b || after == 0x7c || after == 0x26) {
      if (COMMANDS.find(r, <i32>(e - r)) >= C_STRONG) argWord = 1;
      else if (SUBCOMMANDS.find(r, <i32>(e - r)) >= 0 && isAdminCommand(word + ws, wn)) argWord = 2;
    }
    // A URL to fetch: curl http://..., wget ftp://...
    let u = r;
    while (u < end && u - r < 8 && isAlpha(load<u8>(u))) u++;
    if (startsWith(u, end, "://")) argWord = 3;
  }
  // A number and nothing else: sleep 10, ping 127.0.0.1
  let numOnly = false;
  if (numArg) {
    let e = r;
    while (e < end && (isDigit(load<u8>(e)) || load<u8>(e) == 0x2e)) e++;
    numOnly = e >= end || load<u8>(e) == 0x3b || load<u8>(e) == 0x7c || load<u8>(e) == 0x26 || load<u8>(e) == 0x0a || load<u8>(e) == 0x60;
  }
  if (mode == M_SUBST) return true;
  if (hasPath) {
    // /bin/ls, /usr/bin/id, c:\windows\system32\cmd.exe: a command by its path.
    return mode != M_START || shellArg || sepNext || k == C_RECON || k == C_STRONG;
  }
  if (argWord == 2 || argWord == 3) return true;
  switch (k) {
    case C_RECON:
      return true;
    case C_STRONG:
      if (mode == M_START) return shellArg || (sepNext && !atEnd) || argWord != 0;
      return shellArg || sepNext || anyArg || attached;
    case C_INTERP:
      return shellArg || argWord != 0;
    default: // weak
      if (mode == M_START) return shellArg || argWord == 1 || numOnly || terminated(tokEnd, r, end);
      return shellArg || (sepNext && !pipedToProse(r, end)) || numArg || argWord == 1;
  }
}

/** A backslash and "n" or "r" at `q`: a line break written out, as payload lists and shell scripts spell it. */
function literalBreak(q: usize, end: usize): bool {
  if (q + 1 >= end || load<u8>(q) != 0x5c) return false;
  const n = load<u8>(q + 1);
  return n == 0x6e || n == 0x72;
}

/**
 * The value opens with a pipe or a conditional (|, ||, &&) and names one program, however unknown
 * ("|nid", "&& foo\n"): with nothing before the operator for it to join, the value is the tail of a
 * command line. Pipe-separated text has words on both sides of its pipes.
 */
function openingPipe(p: usize, end: usize): bool {
  let q = p;
  while (q < end && (isSpaceByte(load<u8>(q)) || load<u8>(q) == 0x2b)) q++;
  if (q >= end) return false;
  const c = load<u8>(q);
  if (c != 0x7c && c != 0x26) return false;
  q++;
  if (q < end && load<u8>(q) == c) q++;
  else if (c == 0x26) return false; // a lone "&" opens a query string, not a command
  while (q < end && (isSpaceByte(load<u8>(q)) || load<u8>(q) == 0x2b)) q++;
  const w = q;
  while (q < end && q - w <= 32 && isAlpha(load<u8>(q))) q++;
  if (q == w || q - w > 32) return false;
  while (q < end && (isSpaceByte(load<u8>(q)) || literalBreak(q, end))) q += isSpaceByte(load<u8>(q)) ? 1 : 2;
  return q >= end;
}

/**
 * A command word followed, without a space, by a separator that ends the value ("id;", "ls|", "date&&"):
 * the command is closed off for whatever the server appends. A word and a separator in prose have a
 * space or more words after them.
 */
function terminated(tokEnd: usize, r: usize, end: usize): bool {
  if (r != tokEnd || r >= end) return false;
  const c = load<u8>(r);
  if (c != 0x3b && c != 0x7c && c != 0x26) return false;
  let q = r + 1;
  if (q < end && load<u8>(q) == c) q++;
  while (q < end && isSpaceByte(load<u8>(q))) q++;
  return q >= end;
}

/**
 * At `r`, a "|" or "&" whose right side is a word that is no command: "flights & more | brand",
 * "icid=mmb|sc|c1|080122" — text separated by pipes, not a pipeline. A separator followed by nothing,
 * another separator or a command still ends a command.
 */
function pipedToProse(r: usize, end: usize): bool {
  if (r >= end) return false;
  const c = load<u8>(r);
  if (c != 0x7c && c != 0x26) return false;
  let s = r + 1;
  if (s < end && load<u8>(s) == c) s++;
  while (s < end && (isSpaceByte(load<u8>(s)) || load<u8>(s) == 0x2b)) s++;
  let e = s;
  while (e < end && e - s < 33 && (isWordByte(load<u8>(e)) || load<u8>(e) == 0x2e)) e++;
  if (e == s || e - s > 32) return false;
  if (e < end && !isSpaceByte(load<u8>(e)) && load<u8>(e) != 0x7c && load<u8>(e) != 0x26 && load<u8>(e) != 0x2b && load<u8>(e) != 0x3b)
    return false;
  return COMMANDS.find(s, <i32>(e - s)) < 0;
}

/** net, reg, sc, netsh, wmic: commands whose sub-command says what they do. */
function isAdminCommand(w: usize, n: i32): bool {
  if (n == 3) return (load<u16>(w) == 0x656e && load<u8>(w + 2) == 0x74) || (load<u16>(w) == 0x6572 && load<u8>(w + 2) == 0x67); // net reg
  if (n == 2) return load<u16>(w) == 0x6373; // sc
  if (n == 5) return startsWith(w, w + 5, "netsh");
  return false;
}

/** After "$": "{name:offset:length}", bash's substring expansion (${PATH:0:1} spells "/"). */
function substringExpansion(s: usize, end: usize): bool {
  if (s >= end || load<u8>(s) != 0x7b) return false;
  let q = s + 1;
  const n = q;
  while (q < end && q - n < 32 && isWordByte(load<u8>(q))) q++;
  if (q == n || q >= end || load<u8>(q) != 0x3a) return false;
  q++;
  while (q < end && (isSpaceByte(load<u8>(q)) || load<u8>(q) == 0x2d)) q++;
  const d = q;
  while (q < end && isDigit(load<u8>(q))) q++;
  if (q == d || q >= end) return false;
  return load<u8>(q) == 0x3a || load<u8>(q) == 0x7d;
}

/** After "$" in command position: a variable name ("x", "{cmd}") ending the command. */
function variableCommand(s: usize, end: usize): bool {
  let q = s;
  const braced = q < end && load<u8>(q) == 0x7b;
  if (braced) q++;
  const n = q;
  if (q >= end || !isAlpha(load<u8>(q))) return false;
  while (q < end && q - n < 32 && isWordByte(load<u8>(q))) q++;
  if (braced) {
    if (q >= end || load<u8>(q) != 0x7d) return false;
    q++;
  }
  while (q < end && isSpaceByte(load<u8>(q))) q++;
  if (q >= end) return true;
  const c = load<u8>(q);
  return c == 0x3b || c == 0x7c || c == 0x26 || c == 0x60 || c == 0x29 || c == 0x0a;
}

function isIfs(s: usize, end: usize): bool {
  return (startsWith(s, end, "ifs") && (s + 3 >= end || !isAlpha(load<u8>(s + 3)))) || startsWith(s, end, "{ifs}");
}

/** Only blanks and quotes before `q`: bash imports a function only from a variable that starts with "() {". */
function atValueStart(p: usize, q: usize): bool {
  for (let r = p; r < q; r++) {
    const c = load<u8>(r);
    if (!isSpaceByte(c) && c != 0x22 && c != 0x27) return false;
  }
  return true;
}

/** "() {" — a function definition in an environment variable. */
function shellshock(q: usize, end: usize): bool {
  let r = q + 1;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  if (r >= end || load<u8>(r) != 0x29) return false;
  r++;
  while (r < end && isSpaceByte(load<u8>(r))) r++;
  return r < end && load<u8>(r) == 0x7b;
}

/** {cat,/etc/passwd}: brace expansion used to avoid spaces. */
function braceCommand(s: usize, end: usize): bool {
  let q = s;
  while (q < end && q - s < 16 && isWordByte(load<u8>(q))) q++;
  if (q >= end || load<u8>(q) != 0x2c || q == s) return false;
  return COMMANDS.find(s, <i32>(q - s)) >= 0;
}

/** A code-exec function name right before '(' at `q`. */
function codeExec(begin: usize, q: usize): bool {
  let b = q;
  while (b > begin && q - b < 24 && (isWordByte(load<u8>(b - 1)) || load<u8>(b - 1) == 0x2e)) b--;
  // Try the whole dotted name, then its last component.
  let k = CODE_EXEC.find(b, <i32>(q - b));
  if (k < 0) {
    let d = q;
    while (d > b && load<u8>(d - 1) != 0x2e) d--;
    if (d > b) k = CODE_EXEC.find(d, <i32>(q - d));
    if (k >= 0) b = d;
  }
  if (k < 0) return false;
  cmdAt = b;
  return true;
}

/** A value that is nothing but a reconnaissance command (whoami, uname, ifconfig...), in any case. */
export function isReconWord(p: usize, len: i32, hit: Hit): bool {
  if (len < 4 || len > 12) return false;
  const first = <u32>load<u8>(p);
  if (!COMMANDS.mayHold(first - 0x41 < 26 ? first | 0x20 : first, len)) return false;
  const tmp = memory.data(16);
  for (let i = 0; i < len; i++) {
    let c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) c |= 0x20;
    store<u8>(tmp + i, <u8>c);
  }
  if (COMMANDS.find(tmp, len) != C_RECON) return false;
  return hit.set(B_CMDI, "cmdi.command", 0);
}
