// The SQL tokenizer of the injection detector (sqli.ts): one pass over lower-case bytes, linear,
// taking comments, MySQL executable comments and comments inside words apart. One lexer, `lex`,
// reset per pass: the analyser reads its state (the pass's quote, whether the leading literal closed).

import { isWordByte, isSpaceByte, isDigit, isAlpha, hexValue } from "./bytes";
import {
  T_STR,
  T_NUM,
  T_WORD,
  T_KW,
  T_VAR,
  T_OP,
  T_CMP,
  T_LOGIC,
  T_LP,
  T_RP,
  T_COMMA,
  T_SEMI,
  T_COMMENT,
  T_FUNC,
  K_NOT,
  K_LOGIC,
  K_CMPWORD,
  K_OPWORD,
  K_FSQL,
  WORDS,
} from "./sqli-tokens";

export const WORD_MAX = 48;
const wordTmp = memory.data(WORD_MAX);

/** Tokenizer over lower-case bytes. One instance, reset per pass. */
class Lexer {
  p: usize = 0;
  end: usize = 0;
  quote: u32 = 0; // pass context: 0, ' or "
  started: bool = false;
  // Current token.
  type: i32 = 0;
  kw: i32 = 0;
  start: usize = 0;
  stop: usize = 0;
  closed: bool = true; // for strings: terminated
  closedFirst: bool = true; // the pass's leading literal was terminated
  versioned: usize = 0; // where a "/*!<version>" comment opened, or 0

  reset(p: usize, end: usize, quote: u32): void {
    this.p = p;
    this.end = end;
    this.quote = quote;
    this.started = false;
    this.versioned = 0;
  }

  next(): bool {
    const end = this.end;
    if (!this.started) {
      this.started = true;
      if (this.quote != 0) {
        // The input continues a literal opened by the application's query.
        this.start = this.p;
        this.p = this.scanString(this.p, this.quote);
        this.closedFirst = this.closed;
        this.type = T_STR;
        this.kw = 0;
        this.stop = this.p;
        return true;
      }
    }
    let p = this.p;
    while (true) {
      while (p < end && isSpaceByte(load<u8>(p))) p++;
      if (p >= end) {
        this.p = p;
        return false;
      }
      // "*/" closing a MySQL executable comment (or stray) reads as space.
      if (load<u8>(p) == 0x2a && p + 1 < end && load<u8>(p + 1) == 0x2f) {
        p += 2;
        continue;
      }
      // "/*!12345" opens an executable comment: its content is code.
      if (load<u8>(p) == 0x2f && p + 2 < end && load<u8>(p + 1) == 0x2a && load<u8>(p + 2) == 0x21) {
        // With a server version ("/*!50000"), it is MySQL syntax and nothing else ("/*! license" is CSS).
        if (this.versioned == 0 && p + 3 < end && isDigit(load<u8>(p + 3))) this.versioned = p;
        p += 3;
        while (p < end && isDigit(load<u8>(p))) p++;
        continue;
      }
      break;
    }
    this.start = p;
    this.kw = 0;
    const c = <u32>load<u8>(p);
    if (c == 0x27 || c == 0x22) {
      p = this.scanString(p + 1, c);
      this.type = T_STR;
    } else if (c == 0x60) {
      // `identifier`
      p++;
      while (p < end && load<u8>(p) != 0x60) p++;
      if (p < end) p++;
      this.type = T_WORD;
    } else if (isDigit(c) || (c == 0x2e && p + 1 < end && isDigit(load<u8>(p + 1)))) {
      p = this.scanNumber(p);
    } else if (isAlpha(c) || c == 0x5f || c >= 0x80 || c == 0x24) {
      p = this.scanWord(p);
    } else if (c == 0x40) {
      // @var, @@var
      let q = p + 1;
      if (q < end && load<u8>(q) == 0x40) q++;
      const w = q;
      while (q < end && (isWordByte(load<u8>(q)) || load<u8>(q) == 0x2e || load<u8>(q) == 0x24)) q++;
      this.type = q > w ? T_VAR : T_OP;
      p = q;
    } else if (c == 0x2d && p + 1 < end && load<u8>(p + 1) == 0x2d) {
      // -- comment
      p = this.toEol(p);
      this.type = T_COMMENT;
    } else if (c == 0x23) {
      // # comment
      p = this.toEol(p);
      this.type = T_COMMENT;
    } else if (c == 0x2f && p + 1 < end && load<u8>(p + 1) == 0x2a) {
      // /* comment */
      p += 2;
      while (p + 1 < end && !(load<u8>(p) == 0x2a && load<u8>(p + 1) == 0x2f)) p++;
      p = p + 1 < end ? p + 2 : end;
      this.type = T_COMMENT;
    } else if (c == 0x28) {
      p++;
      this.type = T_LP;
    } else if (c == 0x29) {
      p++;
      this.type = T_RP;
    } else if (c == 0x2c) {
      p++;
      this.type = T_COMMA;
    } else if (c == 0x3b) {
      p++;
      this.type = T_SEMI;
    } else {
      p = this.scanOperator(p);
    }
    this.p = p;
    this.stop = p;
    return true;
  }

  private toEol(p: usize): usize {
    const end = this.end;
    while (p < end && load<u8>(p) != 0x0a && load<u8>(p) != 0x0d) p++;
    return p;
  }

  /** Scans a literal body after its opening quote; returns the position after the closing quote. */
  private scanString(p: usize, q: u32): usize {
    const end = this.end;
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (c == 0x5c) {
        p += 2;
        continue;
      }
      if (c == q) {
        if (p + 1 < end && <u32>load<u8>(p + 1) == q) {
          // doubled quote
          p += 2;
          continue;
        }
        this.closed = true;
        return p + 1;
      }
      p++;
    }
    this.closed = false;
    return end;
  }

  private scanNumber(p: usize): usize {
    const end = this.end;
    const s = p;
    if (load<u8>(p) == 0x30 && p + 1 < end && ((load<u8>(p + 1) | 0x20) == 0x78 || (load<u8>(p + 1) | 0x20) == 0x62)) {
      let q = p + 2;
      while (q < end && hexValue(load<u8>(q)) >= 0) q++;
      if (q == end || !isWordByte(load<u8>(q))) {
        this.type = T_NUM;
        return q;
      }
    }
    while (p < end && isDigit(load<u8>(p))) p++;
    if (p < end && load<u8>(p) == 0x2e) {
      p++;
      while (p < end && isDigit(load<u8>(p))) p++;
    }
    if (p < end && load<u8>(p) == 0x65) {
      // exponent
      let q = p + 1;
      if (q < end && (load<u8>(q) == 0x2b || load<u8>(q) == 0x2d)) q++;
      if (q < end && isDigit(load<u8>(q))) {
        while (q < end && isDigit(load<u8>(q))) q++;
        p = q;
      }
    }
    if (p < end && (isAlpha(load<u8>(p)) || load<u8>(p) == 0x5f)) {
      // Digits glued to letters: a keyword right after a number ("1union") splits, anything else is a word.
      let q = p;
      while (q < end && isWordByte(load<u8>(q))) q++;
      const k = WORDS.find(p, <i32>(q - p));
      if (k < 0 || k >= K_FSQL) {
        this.type = T_WORD;
        return q;
      }
    }
    this.type = T_NUM;
    return p > s ? p : s + 1;
  }

  private scanWord(p: usize): usize {
    const end = this.end;
    let n = 0;
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (isWordByte(c) || c >= 0x80 || c == 0x24 || (c == 0x2e && n > 0 && p + 1 < end && isAlpha(load<u8>(p + 1)))) {
        if (n < WORD_MAX) store<u8>(wordTmp + n, <u8>c);
        n++;
        p++;
        continue;
      }
      // A comment glued inside a word (SEL/**/ECT) is dropped.
      if (c == 0x2f && p + 1 < end && load<u8>(p + 1) == 0x2a) {
        let q = p + 2;
        while (q + 1 < end && !(load<u8>(q) == 0x2a && load<u8>(q + 1) == 0x2f)) q++;
        // ...unless the part before is a word of its own (UNION/**/SELECT is two tokens).
        if (q + 2 < end && isWordByte(load<u8>(q + 2)) && (n > WORD_MAX || WORDS.find(wordTmp, n) < 0)) {
          p = q + 2;
          continue;
        }
      }
      break;
    }
    const k = n <= WORD_MAX ? WORDS.find(wordTmp, n) : -1;
    this.kw = k < 0 ? 0 : k;
    if (k == K_LOGIC) this.type = T_LOGIC;
    else if (k == K_CMPWORD) this.type = T_CMP;
    else if (k == K_OPWORD) this.type = T_OP;
    else if (k >= K_FSQL || k < 0) {
      // A call when '(' follows (spaces allowed).
      let q = p;
      while (q < end && isSpaceByte(load<u8>(q))) q++;
      this.type = q < end && load<u8>(q) == 0x28 ? T_FUNC : T_WORD;
      if (k < 0) this.kw = 0;
    } else {
      this.type = T_KW;
    }
    return p;
  }

  private scanOperator(p: usize): usize {
    const end = this.end;
    const c = <u32>load<u8>(p);
    const d: u32 = p + 1 < end ? <u32>load<u8>(p + 1) : 0;
    if (c == 0x3d) {
      // = ==
      this.type = T_CMP;
      return d == 0x3d ? p + 2 : p + 1;
    }
    if (c == 0x3c) {
      // < <= <> <=> <<
      if (d == 0x3c) {
        this.type = T_OP;
        return p + 2;
      }
      this.type = T_CMP;
      if (d == 0x3d) return p + 2 < end && load<u8>(p + 2) == 0x3e ? p + 3 : p + 2;
      return d == 0x3e ? p + 2 : p + 1;
    }
    if (c == 0x3e) {
      if (d == 0x3e) {
        this.type = T_OP;
        return p + 2;
      }
      this.type = T_CMP;
      return d == 0x3d ? p + 2 : p + 1;
    }
    if (c == 0x21 && d == 0x3d) {
      this.type = T_CMP;
      return p + 2;
    }
    if (c == 0x7c && d == 0x7c) {
      this.type = T_LOGIC;
      return p + 2;
    }
    if (c == 0x26 && d == 0x26) {
      this.type = T_LOGIC;
      return p + 2;
    }
    if (c == 0x21 || c == 0x7e) {
      // ! ~ : unary, like NOT
      this.type = T_OP;
      this.kw = K_NOT;
      return p + 1;
    }
    this.type = T_OP;
    return p + 1;
  }
}

export const lex = new Lexer();
