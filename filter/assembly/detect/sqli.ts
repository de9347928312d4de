// SQL injection: a single-pass SQL tokenizer feeding a small token-sequence state machine.
//
// The value is tokenised up to three times: as it stands, and as if it were the rest of a '...' or
// "..." literal (the usual injection point: the first token is then the literal being closed). Each
// pass is linear. The analyser watches for what an injected fragment needs and prose does not:
// UNION SELECT, a select list or sub-select, a stacked statement after ';', a boolean clause whose
// operands are literals or a comparison (1=1, 'a'='a', x=x), a closed literal followed only by a
// comment, calls to functions that only make sense in an attack (sleep, benchmark, load_file...),
// ORDER BY <n> after a literal, a VALUES tuple the closed literal goes on to fill (x', NULL)), LIKE '%',
// server variables (@@version). Comments, MySQL executable comments (a versioned one, /*!50000, is
// itself SQL) and comments inside words (SEL/**/ECT) are taken apart by the tokenizer.

import { Hit, B_SQLI } from "./types";
import { isWordByte, isDigit, isAlpha } from "./bytes";
import { K_FSQL, K_FDANGER, K_NILADIC, K_LOGIC, K_NOT, WORDS } from "./sqli-tokens";
import { WORD_MAX, lex } from "./sqli-lexer";
import { Analyzer } from "./sqli-analyzer";

const an = new Analyzer();

function runPass(p: usize, len: i32, quote: u32): bool {
  const end = p + <usize>len;
  lex.reset(p, end, quote);
  an.reset(quote != 0);
  an.end = end;
  an.passStart = p;
  while (lex.next()) {
    if (an.push(lex.type, lex.kw, lex.start, lex.stop)) return true;
  }
  if (lex.versioned != 0) return an.fire("sqli.versioned-comment", lex.versioned);
  return an.finish();
}

/**
 * For a value of words, digits, spaces, dots, dashes and '@' only (no quote, operator, parenthesis or
 * comment): false when the token analysis has nothing to fire on, so the common API value ("Main Street
 * 12", "ana@example.com", a sentence) skips it. Its tokens are then words, numbers, variables, '-' and
 * '.'; the analyser's rules need, besides those, a SQL keyword, a niladic or a dangerous function, a
 * number running into letters ("1union"), a server variable ("@@version" after AND/OR) or AND/OR as
 * the value's first token (NOT and BINARY before it are transparent). AND/OR further on only open a
 * boolean clause, which needs a comparison (LIKE, IS: keywords) or a function to fire.
 */
export function sqliWordsPossible(p: usize, len: i32): bool {
  const end = p + <usize>len;
  let leading = true;
  let q = p;
  while (q < end) {
    while (q < end && !isWordByte(load<u8>(q))) {
      if (load<u8>(q) == 0x40 && q + 1 < end && load<u8>(q + 1) == 0x40) return true;
      q++;
    }
    const s = q;
    while (q < end && isWordByte(load<u8>(q))) q++;
    if (q == s) break;
    if (isDigit(load<u8>(s))) {
      for (let r = s; r < q; r++) if (isAlpha(load<u8>(r))) return true;
      leading = false;
      continue;
    }
    const n = <i32>(q - s);
    const k = n <= WORD_MAX ? WORDS.find(s, n) : -1;
    if (k == K_NOT) continue;
    if (k == K_LOGIC) {
      if (leading) return true;
    } else if (k >= 0 && (k < K_FSQL || k == K_NILADIC || k == K_FDANGER)) return true;
    leading = false;
  }
  return false;
}

/** Looks for SQL injection in normalised bytes; on a hit fills `hit` and returns true. */
export function detectSqli(p: usize, len: i32, hasQuote: bool, hit: Hit): bool {
  if (runPass(p, len, 0)) return hit.set(B_SQLI, an.hit, <i32>(an.at - p));
  if (hasQuote) {
    let single = false;
    let double = false;
    for (let i = 0; i < len; i++) {
      const c = load<u8>(p + i);
      if (c == 0x27) single = true;
      else if (c == 0x22) double = true;
    }
    if (single && runPass(p, len, 0x27)) return hit.set(B_SQLI, an.hit, <i32>(an.at - p));
    if (double && runPass(p, len, 0x22)) return hit.set(B_SQLI, an.hit, <i32>(an.at - p));
  }
  return false;
}
