// Security scanners that name themselves: a User-Agent (or Netsparker's X-Scanner) that carries the
// name of an attack or scanning tool, or the out-of-band interaction domain such tools plant in
// headers to see what calls back. Names are matched case-insensitively as whole tokens (a listed name
// between non-alphanumeric bytes: "sqlmap/1.7", "(Nmap Scripting Engine;", "x.oast.me"), so the scan
// is one pass with a bounded trie walk per token. Browsers, HTTP libraries (curl, python-requests,
// Go-http-client), probes and monitoring agents name none of them.

import { Hit, B_SCANNER } from "./types";
import { Lexicon } from "./lexicon";
import { isWordByte, startsWith } from "./bytes";

/** Names spelled out in words: the first word is listed with the index of the rest here. */
const PHRASE_REST = ["", " faster u fool"];

const TOOLS = new Lexicon()
  // Injection and vulnerability scanners.
  .add(
    "sqlmap sqlninja havij bbqsql ghauri nosqlmap commix tplmap xsstrike dalfox fimap jaeles nuclei nikto " +
      "w3af arachni skipfish acunetix netsparker invicti appscan webinspect wpscan joomscan droopescan cmsmap " +
      "whatweb openvas openvasvt nessus nasl metasploit zmeu",
    0,
  )
  // Port and service scanners.
  .add("nmap masscan zgrab zgrab2 naabu", 0)
  // Content discovery and fuzzers (ffuf's agent spells its name out: "Fuzz Faster U Fool").
  .add("dirbuster gobuster feroxbuster wfuzz ffuf", 0)
  .add("fuzz", 1)
  // Out-of-band interaction services: Burp Collaborator, interactsh.
  .add("burpcollaborator oastify interactsh interact.sh oast", 0);

/** Looks for a scanner's name in normalised bytes; fills `hit` and returns true on a hit. */
export function detectScanner(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q < end; q++) {
    if (!isWordByte(load<u8>(q)) || (q > p && isWordByte(load<u8>(q - 1)))) continue;
    const k = TOOLS.prefixAt(q, end);
    if (k < 0) continue;
    let e = q + <usize>TOOLS.lengthAt(k);
    const rest = TOOLS.valueAt(k);
    if (rest > 0) {
      if (!startsWith(e, end, PHRASE_REST[rest])) continue;
      e += <usize>PHRASE_REST[rest].length;
    }
    if (e >= end || !isWordByte(load<u8>(e))) return hit.set(B_SCANNER, "scanner.user-agent", <i32>(q - p));
  }
  return false;
}
