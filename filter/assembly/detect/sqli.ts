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
import { Lexicon } from "./lexicon";
import { isWordByte, isSpaceByte, isDigit, isAlpha, hexValue, startsWith } from "./bytes";

// Token types.
const T_STR = 1;
const T_NUM = 2;
const T_WORD = 3;
const T_KW = 4;
const T_VAR = 5;
const T_OP = 6;
const T_CMP = 7;
const T_LOGIC = 8;
const T_LP = 9;
const T_RP = 10;
const T_COMMA = 11;
const T_SEMI = 12;
const T_COMMENT = 13;
const T_FUNC = 14;

// Keyword ids (the lexicon value).
const K_UNION = 1;
const K_SELECT = 2;
const K_FROM = 3;
const K_WHERE = 4;
const K_INSERT = 5;
const K_UPDATE = 6;
const K_DELETE = 7;
const K_DROP = 8;
const K_CREATE = 9;
const K_ALTER = 10;
const K_EXEC = 11;
const K_DECLARE = 12;
const K_WAITFOR = 13;
const K_SHUTDOWN = 14;
const K_TRUNCATE = 15;
const K_BEGIN = 16;
const K_SET = 17;
const K_INTO = 18;
const K_OUTFILE = 19;
const K_ORDER = 20;
const K_GROUP = 21;
const K_BY = 22;
const K_HAVING = 23;
const K_LIMIT = 24;
const K_ALL = 25;
const K_NULL = 27;
const K_TRUE = 28;
const K_CASE = 29;
const K_WHEN = 30;
const K_THEN = 31;
const K_ELSE = 32;
const K_END = 33;
const K_DELAY = 34;
const K_AS = 35;
const K_TABLE = 36;
const K_VALUES = 37;
const K_TOP = 38;
const K_PROCEDURE = 39;
const K_NOT = 41;
const K_LOGIC = 42; // and, or, xor
const K_CMPWORD = 43; // like, rlike, regexp, sounds
const K_OPWORD = 44; // div, mod
const K_GRANT = 45;
const K_CALL = 46;
const K_IS = 47;
const K_FSQL = 60; // an ordinary SQL function (only a call when followed by '(')
const K_FDANGER = 61; // a function that has no business in a parameter value
const K_NILADIC = 62; // a function called without parentheses (current_user, current_date...)

const WORDS = new Lexicon()
  .add("union", K_UNION).add("select", K_SELECT).add("from", K_FROM).add("where", K_WHERE)
  .add("insert", K_INSERT).add("update", K_UPDATE).add("delete", K_DELETE).add("drop", K_DROP)
  .add("create", K_CREATE).add("alter", K_ALTER).add("exec execute", K_EXEC).add("declare", K_DECLARE)
  .add("waitfor", K_WAITFOR).add("shutdown", K_SHUTDOWN).add("truncate", K_TRUNCATE).add("begin", K_BEGIN)
  .add("set", K_SET).add("into", K_INTO).add("outfile dumpfile", K_OUTFILE).add("order", K_ORDER)
  .add("group", K_GROUP).add("by", K_BY).add("having", K_HAVING).add("limit offset", K_LIMIT)
  .add("all distinct distinctrow", K_ALL).add("null", K_NULL).add("true false", K_TRUE)
  .add("case", K_CASE).add("when", K_WHEN).add("then", K_THEN).add("else", K_ELSE).add("end", K_END)
  .add("delay", K_DELAY).add("as", K_AS).add("table", K_TABLE).add("values", K_VALUES).add("top", K_TOP)
  .add("procedure", K_PROCEDURE).add("not binary", K_NOT).add("and or xor", K_LOGIC)
  .add("like rlike regexp sounds", K_CMPWORD).add("div mod", K_OPWORD).add("grant revoke", K_GRANT)
  .add("call", K_CALL).add("is", K_IS)
  .add(
    "char chr nchar concat concat_ws group_concat substring substr mid left right ascii ord hex unhex bin " +
    "conv version database schema user count cast convert elt " +
    "ifnull isnull nullif coalesce if iif length len char_length rand floor ceil ceiling round md5 sha sha1 " +
    "sha2 crc32 lower upper ucase lcase reverse repeat replace space trim ltrim rtrim instr locate position " +
    "strcmp field find_in_set now sysdate exp pow power abs sqrt db_name host_name suser_name suser_sname " +
    "user_name object_id col_name quotename stuff datalength regexp_substring crypt_key to_char to_number " +
    "json_extract json_depth json_keys greatest least sum avg min max make_set export_set bit_length " +
    "octet_length soundex char_length current_database pg_client_encoding nvl nvl2 decode rawtohex " +
    "sys_context is_srvrolemember has_dbaccess fn_varbintohexstr unicode cot atan tan sin cos ln log " +
    "log2 log10 pi last_insert_id row_count found_rows connection_id uuid format str_to_date " +
    "date_format sleep_until char_to_int hex_encode xmltype extract lpad rpad compress uncompress " +
    "uncompressed_length charset collation coercibility aes_encrypt aes_decrypt des_encrypt encode " +
    "to_base64 from_base64 inet_aton inet_ntoa weight_string",
    K_FSQL)
  .add("current_user session_user system_user current_date current_time current_timestamp utc_date utc_time " +
       "utc_timestamp localtime localtimestamp", K_NILADIC)
  .add(
    "sleep benchmark pg_sleep load_file extractvalue updatexml xp_cmdshell sys_eval sys_exec " +
    "dbms_pipe.receive_message dbms_lock.sleep utl_inaddr.get_host_address utl_http.request " +
    "utl_inaddr.get_host_name dbms_xmlgen.getxml randomblob name_const gtid_subset geometrycollection " +
    "multipoint polygon multipolygon linestring multilinestring json_keys pg_read_file lo_import " +
    "lo_export pg_ls_dir xp_dirtree xp_fileexist openrowset opendatasource ctxsys.drithsx.sn " +
    "get_lock master_pos_wait",
    K_FDANGER);

/** Statement keywords that may follow ';' in a stacked query. */
function isStatement(k: i32): bool {
  return k == K_SELECT || k == K_INSERT || k == K_UPDATE || k == K_DELETE || k == K_DROP ||
    k == K_CREATE || k == K_ALTER || k == K_EXEC || k == K_DECLARE || k == K_WAITFOR ||
    k == K_SHUTDOWN || k == K_TRUNCATE || k == K_GRANT || k == K_CALL;
}

const WORD_MAX = 48;
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
    } else if (c == 0x60) { // `identifier`
      p++;
      while (p < end && load<u8>(p) != 0x60) p++;
      if (p < end) p++;
      this.type = T_WORD;
    } else if (isDigit(c) || (c == 0x2e && p + 1 < end && isDigit(load<u8>(p + 1)))) {
      p = this.scanNumber(p);
    } else if (isAlpha(c) || c == 0x5f || c >= 0x80 || c == 0x24) {
      p = this.scanWord(p);
    } else if (c == 0x40) { // @var, @@var
      let q = p + 1;
      if (q < end && load<u8>(q) == 0x40) q++;
      const w = q;
      while (q < end && (isWordByte(load<u8>(q)) || load<u8>(q) == 0x2e || load<u8>(q) == 0x24)) q++;
      this.type = q > w ? T_VAR : T_OP;
      p = q;
    } else if (c == 0x2d && p + 1 < end && load<u8>(p + 1) == 0x2d) { // -- comment
      p = this.toEol(p);
      this.type = T_COMMENT;
    } else if (c == 0x23) { // # comment
      p = this.toEol(p);
      this.type = T_COMMENT;
    } else if (c == 0x2f && p + 1 < end && load<u8>(p + 1) == 0x2a) { // /* comment */
      p += 2;
      while (p + 1 < end && !(load<u8>(p) == 0x2a && load<u8>(p + 1) == 0x2f)) p++;
      p = p + 1 < end ? p + 2 : end;
      this.type = T_COMMENT;
    } else if (c == 0x28) { p++; this.type = T_LP; }
    else if (c == 0x29) { p++; this.type = T_RP; }
    else if (c == 0x2c) { p++; this.type = T_COMMA; }
    else if (c == 0x3b) { p++; this.type = T_SEMI; }
    else {
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
        if (p + 1 < end && <u32>load<u8>(p + 1) == q) { // doubled quote
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
    if (p < end && load<u8>(p) == 0x65) { // exponent
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
    if (c == 0x3d) { // = ==
      this.type = T_CMP;
      return d == 0x3d ? p + 2 : p + 1;
    }
    if (c == 0x3c) { // < <= <> <=> <<
      if (d == 0x3c) { this.type = T_OP; return p + 2; }
      this.type = T_CMP;
      if (d == 0x3d) return p + 2 < end && load<u8>(p + 2) == 0x3e ? p + 3 : p + 2;
      return d == 0x3e ? p + 2 : p + 1;
    }
    if (c == 0x3e) {
      if (d == 0x3e) { this.type = T_OP; return p + 2; }
      this.type = T_CMP;
      return d == 0x3d ? p + 2 : p + 1;
    }
    if (c == 0x21 && d == 0x3d) { this.type = T_CMP; return p + 2; }
    if (c == 0x7c && d == 0x7c) { this.type = T_LOGIC; return p + 2; }
    if (c == 0x26 && d == 0x26) { this.type = T_LOGIC; return p + 2; }
    if (c == 0x21 || c == 0x7e) { // ! ~ : unary, like NOT
      this.type = T_OP;
      this.kw = K_NOT;
      return p + 1;
    }
    this.type = T_OP;
    return p + 1;
  }
}

const lex = new Lexer();

// Boolean-clause states.
const B_IDLE = 0;
const B_OPERAND = 1; // after AND/OR/WHERE/HAVING/WHEN: expecting an operand
const B_AFTER = 2; // after an operand: expecting a comparison
const B_RIGHT = 3; // after a comparison: expecting the right operand

/** Analyses one pass; returns the rule that fired or "". */
class Analyzer {
  hit: string = "";
  at: usize = 0;
  n: i32 = 0; // significant tokens so far
  ctx: bool = false; // the pass starts inside a literal
  tailWords: i32 = 0; // WORD tokens after the leading literal (quote passes)
  t1: i32 = 0; k1: i32 = 0; // previous significant token
  t2: i32 = 0; k2: i32 = 0;
  t3: i32 = 0; k3: i32 = 0;
  t1Start: usize = 0;
  unionPending: bool = false;
  selectState: i32 = 0; // 0 none, 1 just saw SELECT, 2 select list (waiting for FROM)
  selectFirst: bool = false;
  selectCount: i32 = 0;
  stackPending: bool = false;
  boolState: i32 = B_IDLE;
  boolLeftType: i32 = 0;
  boolLeftStart: usize = 0;
  boolLeftStop: usize = 0;
  boolAfterBreakout: bool = false;
  boolIs: bool = false;
  breakoutOp: bool = false; // leading literal directly followed by an operator
  lastFunc: i32 = 0; // 1 after a known SQL function name, 2 after its '('
  updatePending: i32 = 0;
  breakoutLogic: bool = false; // leading literal (and ')'s) directly followed by AND/OR
  exprOnly: bool = true; // no prose word so far (not ctx passes): an expression that a comment may end
  exprOperand: bool = false; // ...holding an operand (number, literal, variable, call, parenthesis)
  quoteOp: i32 = 0; // 1 leading literal + operator, 2 + a literal left open to the end
  quoteOpWord: bool = false; // the operator is a word (div, like...)
  leadStop: usize = 0; // end of the leading literal (after its closing quote)
  tailStart: usize = 0; // start of the open trailing literal
  selectNiladic: bool = false; // SELECT <niladic function>
  caseState: i32 = 0; // CASE (1) WHEN (2) THEN (3) END
  caseCount: i32 = 0;
  ctrl: i32 = 0; // after "; if|while" (1), and its comparison or "; begin" (2)
  ddl: i32 = 0; // CREATE (1) TABLE (2) <name> (3) ( ; DROP/TRUNCATE (4) TABLE (5) <name> (6) ; or comment
  backup: i32 = 0; // BACKUP (1) DATABASE|LOG (2) <name> (3) TO (4) <device> (5) =
  tuple: i32 = 0; // leading literal [)...] (1) , (2) <constant> (3) , ... ) ; -1 once broken
  tupleSql: bool = false; // the tuple holds NULL or a variable
  // A rule that fired on a number (a breakout's AND/OR operand, a comparison's right side): it stands
  // unless another operand follows the number, which no SQL parses ("x' and 60 's", "\"<3\"").
  pendingAt: usize = 0;
  pendingRule: string = "";
  leadNumber: bool = false; // the leading literal is followed directly by a number ('' 1: no SQL reads that)

  reset(ctx: bool): void {
    this.hit = "";
    this.n = 0;
    this.ctx = ctx;
    this.tailWords = 0;
    this.t1 = 0; this.k1 = 0; this.t2 = 0; this.k2 = 0; this.t3 = 0; this.k3 = 0;
    this.unionPending = false;
    this.selectState = 0;
    this.selectCount = 0;
    this.stackPending = false;
    this.boolState = B_IDLE;
    this.breakoutLogic = false;
    this.boolIs = false;
    this.breakoutOp = false;
    this.lastFunc = 0;
    this.updatePending = 0;
    this.t1Start = 0;
    this.exprOnly = true;
    this.exprOperand = false;
    this.quoteOp = 0;
    this.quoteOpWord = false;
    this.leadStop = 0;
    this.tailStart = 0;
    this.selectNiladic = false;
    this.caseState = 0;
    this.caseCount = 0;
    this.ddl = 0;
    this.backup = 0;
    this.tuple = 0;
    this.tupleSql = false;
    this.pendingAt = 0;
    this.leadNumber = false;
    this.ctrl = 0;
    this.unionExpr = false;
  }

  pend(rule: string, at: usize): void {
    this.pendingRule = rule;
    this.pendingAt = at;
  }

  fire(rule: string, at: usize): bool {
    this.hit = rule;
    this.at = at;
    return true;
  }

  /** Feeds one token; returns true when a rule fired. */
  push(type: i32, kw: i32, start: usize, stop: usize): bool {
    if (this.pendingAt != 0) {
      const at = this.pendingAt;
      this.pendingAt = 0;
      if (type != T_NUM && type != T_STR) return this.fire(this.pendingRule, at);
    }
    if (this.ctx && this.n == 1 && this.t1 == T_STR && type == T_NUM) this.leadNumber = true;
    if (type == T_COMMENT) {
      // A closed literal followed by nothing but ')' / operators / literals, then a comment that
      // swallows the rest of the query (so it holds next to nothing itself: "admin'--", "1')#", "x'-- -").
      // Not when a number follows the closing quote ("'1--": '' 1 is no SQL), nor when the literal it
      // closes is several words and the comment comes right after it (prose ending in "1 '#").
      if (this.ctx && this.n >= 1 && this.n <= 8 && this.tailWords == 0 && commentBody(start, stop) <= 3 && !this.leadNumber &&
          !(this.n == 1 && severalWords(this.passStart, this.leadStop))) return this.fire("sqli.comment-breakout", start);
      // An expression and nothing else, ended by a comment that swallows the rest of the query:
      // "1 --", "( 'a' * @a ) --", "limit 0,1--" (numeric context: no literal to close first).
      if (!this.ctx && this.exprOnly && this.exprOperand && this.n >= 1 && restIsBlank(stop, this.end) && commentIsBare(start, stop) &&
          !(this.n == 1 && dashRunAfterDigit(start, stop))) return this.fire("sqli.comment-expression", start);
      // SELECT <niladic function> closed by a comment: "select current_user --"
      if (this.selectState == 2 && this.selectNiladic && this.n == 2) return this.fire("sqli.select", start);
      if (this.ddl == 6) return this.fire("sqli.stacked", start);
      this.quoteOp = 0;
      return false;
    }
    if (this.stackPending) {
      this.stackPending = false;
      // DELETE [LOW_PRIORITY] [QUICK] [IGNORE] FROM: the modifiers keep it pending.
      if (this.k1 == K_DELETE && type == T_WORD && isDeleteModifier(start, stop)) {
        this.stackPending = true;
        return false;
      }
      if (stackContinues(this.k1, type, kw, start, stop)) return this.fire("sqli.stacked", this.t1Start);
    }
    // NOT and unary operators are transparent.
    if (kw == K_NOT) return false;
    const n = this.n;
    if (this.ctx && n > 0 && (type == T_WORD || type == T_KW || (type == T_FUNC && kw == 0))) this.tailWords++;

    // Expression-only values (see the comment rule).
    if (type == T_WORD && kw < K_FSQL) this.exprOnly = false;
    else if (type == T_NUM || type == T_STR || type == T_VAR || type == T_FUNC || type == T_LP || (type == T_WORD && kw == K_NILADIC)) this.exprOperand = true;

    // '<literal>' <operator> '<literal left open>: the value turns the application's literal into an
    // expression of two literals (x' / 'y, '&', A 'div' B). Judged at the end (finish).
    if (this.ctx) {
      if (this.quoteOp == 0) {
        if (n == 1 && this.t1 == T_STR && lex.closedFirst && (
            (type == T_OP && kw != K_NOT && !isHyphen(start, stop)) || (type == T_CMP && isWordOp(start)) ||
            (type == T_LOGIC && kw == K_LOGIC && load<u8>(start) == 0x78))) { // xor
          this.quoteOp = 1;
          this.quoteOpWord = isWordOp(start);
        } else if (n == 1 && this.t1 == T_STR && lex.closedFirst && type == T_STR && !lex.closed && <u32>load<u8>(start) == lex.quote &&
                   start > this.leadStop) {
          // No operator at all: adjacent literals concatenate ('x' 'y' in MySQL and PostgreSQL).
          this.quoteOp = 2;
          this.quoteOpWord = false;
          this.tailStart = start;
        }
      } else if (this.quoteOp == 1) {
        if (type == T_STR && !lex.closed && <u32>load<u8>(start) == lex.quote) {
          this.quoteOp = 2;
          this.tailStart = start;
        } else if (!(type == T_OP || type == T_CMP)) {
          this.quoteOp = -1;
        }
      } else {
        this.quoteOp = -1;
      }
    }

    // The leading literal closes a VALUES tuple the value then extends: x', NULL) ..., 1'), NULL, @@version)
    // (prose rarely follows a closing quote with a comma and a NULL).
    if (this.ctx && n > 0 && this.tuple >= 0) {
      const t = this.tuple;
      if ((t == 0 || t == 1) && type == T_RP) this.tuple = 1;
      else if ((t == 0 || t == 1 || t == 3) && type == T_COMMA) this.tuple = 2;
      else if (t == 2 && (type == T_NUM || type == T_STR || type == T_VAR || (type == T_KW && kw == K_NULL))) {
        this.tuple = 3;
        if (type == T_VAR || type == T_KW) this.tupleSql = true;
      } else if (t == 3 && type == T_RP && this.tupleSql) return this.fire("sqli.breakout-values", start);
      else this.tuple = -1;
    }

    // LIKE '%' ending the value (or before a comment or ')'): a pattern of wildcards alone matches every
    // row (x' or name like '%'). Prose goes on after the quote ("a sign like '%' here").
    if (type == T_STR && this.t1 == T_CMP && this.k1 == K_CMPWORD && isLike(this.t1Start) && onlyWildcards(start, stop) &&
        endsClause(stop, this.end)) {
      return this.fire("sqli.tautology", start);
    }

    // CASE [x] WHEN ... THEN ... END
    if (type == T_KW && kw == K_CASE && this.caseState == 0) { this.caseState = 1; this.caseCount = 0; }
    else if (this.caseState > 0) {
      if (++this.caseCount > 32 || (type == T_WORD && this.t1 == T_WORD && kw == 0)) this.caseState = 0;
      else if (type == T_KW && kw == K_WHEN && this.caseState == 1) this.caseState = 2;
      else if (type == T_KW && kw == K_THEN && this.caseState == 2) this.caseState = 3;
      else if (type == T_KW && kw == K_END && this.caseState == 3 && this.t1 != T_KW) return this.fire("sqli.case", start);
    }

    // DDL opening the value: CREATE TABLE <name> (  /  DROP TABLE <name> ; or a comment
    if (n == 0 && !this.ctx && type == T_KW && kw == K_CREATE) this.ddl = 1;
    else if (n == 0 && !this.ctx && type == T_KW && (kw == K_DROP || kw == K_TRUNCATE)) this.ddl = 4;
    else if (this.ddl > 0) {
      const d = this.ddl;
      this.ddl = 0;
      if ((d == 1 || d == 4) && type == T_KW && kw == K_TABLE) this.ddl = d + 1;
      else if ((d == 2 || d == 5) && (type == T_WORD || type == T_FUNC)) this.ddl = d + 1;
      if (d == 2 && type == T_FUNC) return this.fire("sqli.stacked", start);
      if (d == 3 && type == T_LP) return this.fire("sqli.stacked", start);
      if (d == 6 && type == T_SEMI) return this.fire("sqli.stacked", start);
    }

    // T-SQL BACKUP DATABASE <name> TO DISK = '\\host\share', opening the value or stacked: writes the
    // database where the attacker reads it. (Prose says "backup database to disk", without the '='.)
    if (type == T_WORD && (n == 0 && !this.ctx || this.t1 == T_SEMI) && isWord(start, stop, "backup")) this.backup = 1;
    else if (this.backup > 0) {
      const b = this.backup;
      this.backup = 0;
      if (b == 1 && type == T_WORD && (isWord(start, stop, "database") || isWord(start, stop, "log"))) this.backup = 2;
      else if (b == 2 && (type == T_WORD || type == T_VAR)) this.backup = 3;
      else if (b == 3 && type == T_WORD && isWord(start, stop, "to")) this.backup = 4;
      else if (b == 4 && type == T_WORD) this.backup = 5;
      else if (b == 5 && type == T_CMP && load<u8>(start) == 0x3d) return this.fire("sqli.stacked", start);
    }

    // UNION [ALL|DISTINCT] [(] SELECT
    if (this.unionPending) {
      if (type == T_KW && kw == K_SELECT) return this.fire("sqli.union", start);
      if (!(kw == K_ALL || type == T_LP)) this.unionPending = false;
    }
    if (type == T_KW && kw == K_UNION) {
      this.unionPending = true;
      this.unionExpr = this.exprOnly && this.exprOperand && (this.t1 == T_NUM || this.t1 == T_STR || this.t1 == T_RP || this.t1 == T_VAR);
    }

    // Control flow after ';': "; if 1=1 drop table t", "; while 1=1 shutdown", "; begin shutdown end".
    // IF/WHILE need a comparison before the statement (prose has "; if so, select...").
    if (this.t1 == T_SEMI && ((type == T_WORD || type == T_FUNC) && isIfWhile(start, stop))) this.ctrl = 1;
    else if (this.t1 == T_SEMI && type == T_KW && kw == K_BEGIN) this.ctrl = 2;
    else if (this.ctrl > 0) {
      if (this.ctrl == 1 && type == T_CMP) this.ctrl = 2;
      else if (this.ctrl == 2 && type == T_KW && isStatement(kw)) {
        if (kw == K_SHUTDOWN) return this.fire("sqli.stacked", start);
        this.stackPending = true;
        this.ctrl = 0;
      } else if (type == T_SEMI || type == T_WORD && this.t1 == T_WORD) this.ctrl = 0;
    }

    // Stacked statement: ; <statement> <what that statement needs next>
    if (type == T_KW && isStatement(kw) && this.t1 == T_SEMI) {
      if (kw == K_SHUTDOWN) return this.fire("sqli.stacked", start);
      this.stackPending = true;
    }

    // A server variable (@@version, @@datadir) opening the value or as a boolean operand: only SQL reads it.
    if (type == T_VAR && load<u16>(start) == 0x4040 && ((n == 0 && !this.ctx) || this.boolState == B_OPERAND)) {
      return this.fire("sqli.server-variable", start);
    }

    // Functions that only attacks call.
    if (type == T_FUNC && kw == K_FDANGER) return this.fire("sqli.function", start);
    if (type == T_KW) {
      if (kw == K_DELAY && this.t1 == T_KW && this.k1 == K_WAITFOR) return this.fire("sqli.waitfor", start);
      if (kw == K_OUTFILE && this.t1 == T_KW && this.k1 == K_INTO) return this.fire("sqli.outfile", start);
    }
    if (this.t1 == T_KW && this.k1 == K_EXEC && (type == T_WORD || type == T_FUNC) && isProcName(start, stop)) return this.fire("sqli.exec", start);
    if (this.t1 == T_KW && this.k1 == K_DECLARE && type == T_VAR) return this.fire("sqli.declare", start);

    // ORDER/GROUP BY <n> after a literal or ')'.
    if (type == T_NUM && this.t1 == T_KW && this.k1 == K_BY && this.t2 == T_KW && (this.k2 == K_ORDER || this.k2 == K_GROUP) &&
        (this.t3 == T_STR || this.t3 == T_NUM || this.t3 == T_RP)) return this.fire("sqli.order-by", start);

    // A literal closed and followed by an operator and another operand: x' & 'y, 1' * id - '0, '^'.
    // Arithmetic or concatenation needs code on its right (x'+(select..., x'||version()); a comparison
    // may also take a literal (x'='x, 1'=0).
    if (this.breakoutOp) {
      this.breakoutOp = false;
      if (type == T_VAR || (type == T_FUNC && kw >= K_FSQL) || type == T_LP || (type == T_KW && (kw == K_NULL || kw == K_SELECT)) ||
          (this.t1 == T_CMP && type == T_STR)) {
        return this.fire("sqli.breakout-operator", start);
      }
      if (this.t1 == T_CMP && type == T_NUM) this.pend("sqli.breakout-operator", start);
    }
    if (this.ctx && n == 1 && this.t1 == T_STR && ((type == T_CMP && !isWordOp(start)) || (type == T_OP && kw != K_NOT && !isHyphen(start, stop) && !isWordOp(start)))) this.breakoutOp = true;

    // Nested calls of SQL functions: conv(hex(substr(...
    if (this.lastFunc == 2 && type == T_FUNC && kw >= K_FSQL) return this.fire("sqli.function", start);
    if (type == T_FUNC && kw >= K_FSQL) this.lastFunc = 1;
    else if (type == T_LP && this.lastFunc == 1) this.lastFunc = 2;
    else this.lastFunc = 0;

    // xp_cmdshell and friends, called or named.
    if (type == T_WORD && kw == K_FDANGER && load<u16>(start) == 0x7078 && load<u8>(start + 2) == 0x5f) return this.fire("sqli.function", start);

    // UPDATE <table> SET <column> =
    if (this.updatePending > 0) {
      const u = this.updatePending;
      this.updatePending = 0;
      if (u == 1 && type == T_WORD) this.updatePending = 2;
      else if (u == 2 && type == T_KW && kw == K_SET) this.updatePending = 3;
      else if (u == 3 && type == T_WORD) this.updatePending = 4;
      else if (u == 4 && type == T_CMP) return this.fire("sqli.stacked", start);
    }
    if (type == T_KW && kw == K_UPDATE) this.updatePending = 1;

    // ORDER BY <n> opening the value.
    if (type == T_NUM && n == 2 && this.t1 == T_KW && this.k1 == K_BY && this.t2 == T_KW && (this.k2 == K_ORDER || this.k2 == K_GROUP)) {
      return this.fire("sqli.order-by", start);
    }

    // A statement right after the closed literal: x' insert into ..., x' drop table ...
    if (this.ctx && n == 1 && type == T_KW && isStatement(kw) && kw != K_SELECT) this.stackPending = true;

    // SELECT: a select list, or a sub-select.
    if (this.selectState == 1) {
      if ((type == T_KW && (kw == K_ALL || kw == K_TOP)) || (type == T_OP && (load<u8>(start) == 0x2d || load<u8>(start) == 0x2b))) {
        // keep waiting for the first item
      } else if (type == T_NUM || type == T_STR || type == T_VAR || type == T_LP || type == T_FUNC ||
                 (type == T_KW && (kw == K_NULL || kw == K_CASE)) || (type == T_OP && load<u8>(start) == 0x2a)) {
        if (!this.selectFirst || type == T_VAR || type == T_FUNC) return this.fire("sqli.select", start);
        this.selectState = 2;
      } else if (type == T_WORD) {
        this.selectState = 2;
        this.selectNiladic = kw >= K_FSQL && n == 1;
      } else {
        this.selectState = 0;
      }
    } else if (this.selectState == 2) {
      if (type == T_KW && kw == K_FROM) return this.fire("sqli.select", start);
      // UNION ends the select list: a FROM after it belongs to the next SELECT, if any ("select a
      // union rep from the table" is prose; "select 1 union select x from t" restarts below).
      if (type == T_KW && kw == K_UNION) this.selectState = 0;
      if (type == T_SEMI && this.selectNiladic && n == 2) return this.fire("sqli.select", start);
      // Numbers, literals and commas do not count: column-counting lists run long (1,2,3,...,17).
      if (!(type == T_NUM || type == T_COMMA || type == T_STR)) this.selectCount++;
      if (this.selectCount > 24 || (type == T_WORD && this.t1 == T_WORD) || type == T_SEMI) this.selectState = 0;
    }
    if (type == T_KW && kw == K_SELECT) {
      const t1 = this.t1;
      // After these, SELECT starts a (sub-)query; anywhere else it needs a FROM to count.
      const strong = t1 == T_LP || t1 == T_SEMI || t1 == T_OP || t1 == T_LOGIC || t1 == T_CMP || t1 == T_COMMA || t1 == T_RP ||
          (t1 == T_KW && (this.k1 == K_UNION || this.k1 == K_ALL || this.k1 == K_THEN || this.k1 == K_ELSE)) || (t1 == T_STR && this.ctx && n == 1);
      this.selectFirst = n == 0 || !strong;
      this.selectState = 1;
      this.selectCount = 0;
      this.selectNiladic = false;
    }

    // Boolean clauses.
    if (this.booleanStep(type, kw, start, stop)) return true;

    if (n == 0) {
      this.t3First = type;
      this.leadStop = stop;
    }
    this.t3 = this.t2; this.k3 = this.k2;
    this.t2 = this.t1; this.k2 = this.k1;
    this.t1 = type; this.k1 = kw;
    this.t1Start = start;
    this.n = n + 1;
    return false;
  }

  private booleanStep(type: i32, kw: i32, start: usize, stop: usize): bool {
    const isClause = type == T_LOGIC || (type == T_KW && (kw == K_WHERE || kw == K_HAVING || kw == K_WHEN));
    switch (this.boolState) {
      case B_OPERAND: {
        if (type == T_LP || (type == T_OP && (load<u8>(start) == 0x2d || load<u8>(start) == 0x2b))) return false;
        if ((type == T_FUNC && kw >= K_FSQL) || (type == T_WORD && kw == K_NILADIC)) return this.fire("sqli.boolean-function", start);
        if (type == T_NUM || type == T_STR || type == T_VAR || type == T_WORD || type == T_FUNC ||
            (type == T_KW && (kw == K_NULL || kw == K_TRUE))) {
          if (this.boolAfterBreakout && type == T_NUM) this.pend("sqli.breakout-logic", start);
          else if (this.boolAfterBreakout && type != T_WORD) return this.fire("sqli.breakout-logic", start);
          this.boolState = B_AFTER;
          this.boolLeftType = type;
          this.boolLeftStart = start;
          this.boolLeftStop = stop;
          return false;
        }
        this.boolState = B_IDLE;
        break;
      }
      case B_AFTER: {
        if (type == T_CMP || (type == T_KW && kw == K_IS)) {
          this.boolState = B_RIGHT;
          this.boolIs = type == T_KW;
          return false;
        }
        if (type == T_OP && this.boolLeftType != T_WORD) {
          this.boolState = B_OPERAND;
          this.boolAfterBreakout = false;
          return false;
        }
        if (type == T_RP) return false;
        this.boolState = B_IDLE;
        break;
      }
      case B_RIGHT: {
        if (type == T_LP || (type == T_OP && (load<u8>(start) == 0x2d || load<u8>(start) == 0x2b))) return false;
        if (type == T_NUM || type == T_STR || type == T_VAR || type == T_FUNC || (type == T_KW && (kw == K_NULL || kw == K_TRUE || kw == K_SELECT))) {
          if (this.boolLeftType != T_WORD || type == T_NUM || type == T_STR || this.boolIs || this.boolAfterBreakout) return this.fire("sqli.tautology", start);
        }
        if (type == T_WORD) {
          if (this.boolLeftType != T_WORD || this.boolAfterBreakout) return this.fire("sqli.tautology", start);
          // x=x
          const ln = <i32>(this.boolLeftStop - this.boolLeftStart);
          if (ln == <i32>(stop - start) && memory.compare(this.boolLeftStart, start, ln) == 0) return this.fire("sqli.tautology", start);
        }
        this.boolState = B_IDLE;
        break;
      }
    }
    if (isClause && !(type == T_LOGIC && this.t1 == T_CMP)) {
      this.boolState = B_OPERAND;
      // AND/OR right after the leading literal (and any ')'): "x' or 1", "1') and ('a"
      let breakout = false;
      if (this.ctx && type == T_LOGIC) {
        breakout = this.n == 1 || (this.t1 == T_RP && this.breakoutTail());
      } else if (!this.ctx && type == T_LOGIC && this.n == 0 && this.t1 == 0) {
        breakout = true; // the value starts with AND/OR: it continues a condition
      }
      this.boolAfterBreakout = breakout;
    }
    return false;
  }

  private breakoutTail(): bool {
    // Only ')' between the leading literal and here.
    return this.tailWords == 0 && (this.t2 == T_RP || this.t2 == T_STR) && this.n <= 4;
  }

  /** At the end of the input. */
  finish(): bool {
    if (this.pendingAt != 0) return this.fire(this.pendingRule, this.pendingAt);
    if (this.boolState == B_AFTER && this.boolAfterBreakout && this.boolLeftType != T_WORD) return this.fire("sqli.breakout-logic", this.end);
    if (this.quoteOp == 2) {
      // Both literals short, a word at most each (a word operator needs them shorter still: prose
      // quotes words like 'like').
      const max = this.quoteOpWord ? 2 : 3;
      if (shortWord(this.passStart, this.leadStop - 1, max) && shortWord(this.tailStart + 1, this.end, max)) return this.fire("sqli.breakout-operator", this.tailStart);
    }
    // An expression then UNION at the end: the select comes in the rest of the query ("-1 union",
    // "1#\nunion", "1/1/**/union").
    if (this.t1 == T_KW && this.k1 == K_UNION && this.unionExpr) return this.fire("sqli.union", this.t1Start);
    return false;
  }

  end: usize = 0;
  passStart: usize = 0;
  unionExpr: bool = false; // UNION came right after an expression-only prefix
  t3First: i32 = 0; // type of the first significant token
}

/** Two words separated by a blank inside [start, stop). */
function severalWords(start: usize, stop: usize): bool {
  for (let q = start + 1; q + 1 < stop; q++) {
    if (isSpaceByte(load<u8>(q)) && isWordByte(load<u8>(q - 1)) && isWordByte(load<u8>(q + 1))) return true;
  }
  return false;
}

/** The token [start, stop) is `w` (lower-case ASCII). */
function isWord(start: usize, stop: usize, w: string): bool {
  return <i32>(stop - start) == w.length && startsWith(start, stop, w);
}

/** Only spaces, then the end, a comment, ')' or ';'. */
function endsClause(p: usize, end: usize): bool {
  while (p < end && isSpaceByte(load<u8>(p))) p++;
  if (p >= end) return true;
  const c = load<u8>(p);
  return c == 0x2d || c == 0x23 || c == 0x2f || c == 0x29 || c == 0x3b;
}

/** The word at `start` is LIKE (not RLIKE). */
function isLike(start: usize): bool {
  return load<u32>(start) == 0x656b696c; // "like"
}

/** A literal token ('%', "%%") whose content is only '%'. */
function onlyWildcards(start: usize, stop: usize): bool {
  const quote = load<u8>(start);
  let e = stop;
  if (e > start + 1 && load<u8>(e - 1) == quote) e--;
  if (e <= start + 1) return false;
  for (let q = start + 1; q < e; q++) if (load<u8>(q) != 0x25) return false;
  return true;
}

/** like, regexp, mod, div: operators spelled as words (ordinary words in prose). */
function isWordOp(start: usize): bool {
  return isAlpha(load<u8>(start));
}

/** A single '-' glued between words (JACK-O'-LANTERN), not an operator. */
function isHyphen(start: usize, stop: usize): bool {
  return stop - start == 1 && load<u8>(start) == 0x2d && isAlpha(load<u8>(stop));
}

/** Non-space bytes in a comment's body (after its opening marker). */
function commentBody(start: usize, stop: usize): i32 {
  let q = start;
  const c = load<u8>(q);
  q += c == 0x23 ? 1 : 2;
  let n = 0;
  while (q < stop) {
    const d = load<u8>(q);
    if (!isSpaceByte(d) && !(c == 0x2f && (d == 0x2a || d == 0x2f))) n++;
    q++;
  }
  return n;
}

/** if, while: control flow in T-SQL batches. */
function isIfWhile(start: usize, stop: usize): bool {
  const n = <i32>(stop - start);
  if (n == 2) return load<u16>(start) == 0x6669; // "if"
  return n == 5 && load<u32>(start) == 0x6c696877 && load<u8>(start + 4) == 0x65; // "while"
}

/** low_priority, quick, ignore */
function isDeleteModifier(start: usize, stop: usize): bool {
  const n = <i32>(stop - start);
  const w = String.UTF8.decodeUnsafe(start, n);
  return w == "low_priority" || w == "quick" || w == "ignore";
}

/** Only spaces from `p` to `end`. */
function restIsBlank(p: usize, end: usize): bool {
  while (p < end && isSpaceByte(load<u8>(p))) p++;
  return p >= end;
}

/**
 * Three or more dashes right after a digit, and nothing else: "1---", "1YN-" after folding — how the
 * IAB US-privacy string and other consent codes spell "not applicable". An injection ends its probe
 * with "--" or "-- -", not with a longer run glued to the number.
 */
function dashRunAfterDigit(start: usize, stop: usize): bool {
  if (stop - start < 3 || !isDigit(load<u8>(start - 1))) return false;
  for (let q = start; q < stop; q++) if (load<u8>(q) != 0x2d) return false;
  return true;
}

/** A comment that holds no words: "--", "-- -", "--+", "#", "/*". */
function commentIsBare(start: usize, stop: usize): bool {
  for (let q = start; q < stop; q++) if (isWordByte(load<u8>(q))) return false;
  return true;
}

/** [s, e) trimmed is at most `max` bytes with no space inside. */
function shortWord(s: usize, e: usize, max: i32): bool {
  while (s < e && isSpaceByte(load<u8>(s))) s++;
  while (e > s && isSpaceByte(load<u8>(e - 1))) e--;
  if (<i32>(e - s) > max) return false;
  for (let q = s; q < e; q++) if (isSpaceByte(load<u8>(q))) return false;
  return true;
}

/** After "; <statement>": the token that makes it a statement rather than prose. */
function stackContinues(stmt: i32, type: i32, kw: i32, start: usize, stop: usize): bool {
  switch (stmt) {
    case K_SELECT: return true;
    case K_INSERT: return type == T_KW && kw == K_INTO;
    case K_DELETE: return type == T_KW && kw == K_FROM;
    case K_UPDATE: return type == T_WORD || type == T_VAR;
    case K_DROP: case K_CREATE: case K_ALTER: case K_TRUNCATE:
      return (type == T_KW && (kw == K_TABLE || kw == K_PROCEDURE)) || (type == T_WORD && isObjectWord(start, stop));
    case K_EXEC: return type == T_VAR || type == T_LP || type == T_STR || ((type == T_WORD || type == T_FUNC) && isProcName(start, stop));
    case K_DECLARE: return type == T_VAR;
    case K_WAITFOR: return type == T_KW && kw == K_DELAY || type == T_WORD;
    case K_GRANT: return type == T_KW && kw == K_ALL || type == T_WORD;
    case K_CALL: return type == T_FUNC;
  }
  return false;
}

/** database, user, view, index, function, trigger, schema, login */
function isObjectWord(start: usize, stop: usize): bool {
  const n = <i32>(stop - start);
  const w = String.UTF8.decodeUnsafe(start, n);
  return w == "database" || w == "user" || w == "view" || w == "index" || w == "function" || w == "trigger" || w == "schema" || w == "login";
}

/** EXEC of a system/extended procedure: xp_..., sp_..., master..xp_... */
function isProcName(start: usize, stop: usize): bool {
  const n = <i32>(stop - start);
  if (n < 3) return false;
  const a = load<u8>(start);
  const b = load<u8>(start + 1);
  if ((a == 0x78 || a == 0x73) && b == 0x70 && load<u8>(start + 2) == 0x5f) return true;
  return n >= 6 && load<u32>(start) == 0x7473616d && load<u16>(start + 4) == 0x7265; // "master"
}

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
 * comment): false when no word is a SQL keyword, a niladic or a dangerous function, and no number runs
 * into letters ("1union"). Without those the token analysis has nothing to fire on, so the common API
 * value ("Main Street 12", "ana@example.com") skips it.
 */
export function sqliWordsPossible(p: usize, len: i32): bool {
  const end = p + <usize>len;
  let q = p;
  while (q < end) {
    while (q < end && !isWordByte(load<u8>(q))) q++;
    const s = q;
    while (q < end && isWordByte(load<u8>(q))) q++;
    if (q == s) break;
    if (isDigit(load<u8>(s))) {
      for (let r = s; r < q; r++) if (isAlpha(load<u8>(r))) return true;
      continue;
    }
    const n = <i32>(q - s);
    if (n > WORD_MAX) continue;
    const k = WORDS.find(s, n);
    if (k >= 0 && (k < K_FSQL || k == K_NILADIC || k == K_FDANGER)) return true;
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
