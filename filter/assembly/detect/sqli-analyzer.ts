// The token-sequence state machine of the injection detector (sqli.ts): what an injected SQL
// fragment needs and prose does not, over the tokens of one pass.

import { isWordByte, isSpaceByte, isDigit, isAlpha, startsWith } from "./bytes";
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
  K_UNION,
  K_SELECT,
  K_FROM,
  K_WHERE,
  K_INSERT,
  K_UPDATE,
  K_DELETE,
  K_DROP,
  K_CREATE,
  K_ALTER,
  K_EXEC,
  K_DECLARE,
  K_WAITFOR,
  K_SHUTDOWN,
  K_TRUNCATE,
  K_BEGIN,
  K_SET,
  K_INTO,
  K_OUTFILE,
  K_ORDER,
  K_GROUP,
  K_BY,
  K_HAVING,
  K_ALL,
  K_NULL,
  K_TRUE,
  K_CASE,
  K_WHEN,
  K_THEN,
  K_ELSE,
  K_END,
  K_DELAY,
  K_TABLE,
  K_TOP,
  K_PROCEDURE,
  K_NOT,
  K_LOGIC,
  K_CMPWORD,
  K_GRANT,
  K_CALL,
  K_IS,
  K_FSQL,
  K_FDANGER,
  K_NILADIC,
  isStatement,
} from "./sqli-tokens";
import { lex } from "./sqli-lexer";

// Boolean-clause states.
const B_IDLE = 0;
const B_OPERAND = 1; // after AND/OR/WHERE/HAVING/WHEN: expecting an operand
const B_AFTER = 2; // after an operand: expecting a comparison
const B_RIGHT = 3; // after a comparison: expecting the right operand

/** Analyses one pass; returns the rule that fired or "". */
export class Analyzer {
  hit: string = "";
  at: usize = 0;
  n: i32 = 0; // significant tokens so far
  ctx: bool = false; // the pass starts inside a literal
  tailWords: i32 = 0; // WORD tokens after the leading literal (quote passes)
  t1: i32 = 0;
  k1: i32 = 0; // previous significant token
  t2: i32 = 0;
  k2: i32 = 0;
  t3: i32 = 0;
  k3: i32 = 0;
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
    this.t1 = 0;
    this.k1 = 0;
    this.t2 = 0;
    this.k2 = 0;
    this.t3 = 0;
    this.k3 = 0;
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
      if (
        this.ctx &&
        this.n >= 1 &&
        this.n <= 8 &&
        this.tailWords == 0 &&
        commentBody(start, stop) <= 3 &&
        !this.leadNumber &&
        !(this.n == 1 && severalWords(this.passStart, this.leadStop))
      )
        return this.fire("sqli.comment-breakout", start);
      // An expression and nothing else, ended by a comment that swallows the rest of the query:
      // "1 --", "( 'a' * @a ) --", "limit 0,1--" (numeric context: no literal to close first).
      if (
        !this.ctx &&
        this.exprOnly &&
        this.exprOperand &&
        this.n >= 1 &&
        restIsBlank(stop, this.end) &&
        commentIsBare(start, stop) &&
        !(this.n == 1 && dashRunAfterDigit(start, stop))
      )
        return this.fire("sqli.comment-expression", start);
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
    else if (type == T_NUM || type == T_STR || type == T_VAR || type == T_FUNC || type == T_LP || (type == T_WORD && kw == K_NILADIC))
      this.exprOperand = true;

    // '<literal>' <operator> '<literal left open>: the value turns the application's literal into an
    // expression of two literals (x' / 'y, '&', A 'div' B). Judged at the end (finish).
    if (this.ctx) {
      if (this.quoteOp == 0) {
        if (
          n == 1 &&
          this.t1 == T_STR &&
          lex.closedFirst &&
          ((type == T_OP && kw != K_NOT && !isHyphen(start, stop)) ||
            (type == T_CMP && isWordOp(start)) ||
            (type == T_LOGIC && kw == K_LOGIC && load<u8>(start) == 0x78))
        ) {
          // xor
          this.quoteOp = 1;
          this.quoteOpWord = isWordOp(start);
        } else if (
          n == 1 &&
          this.t1 == T_STR &&
          lex.closedFirst &&
          type == T_STR &&
          !lex.closed &&
          <u32>load<u8>(start) == lex.quote &&
          start > this.leadStop
        ) {
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
    if (
      type == T_STR &&
      this.t1 == T_CMP &&
      this.k1 == K_CMPWORD &&
      isLike(this.t1Start) &&
      onlyWildcards(start, stop) &&
      endsClause(stop, this.end)
    ) {
      return this.fire("sqli.tautology", start);
    }

    // CASE [x] WHEN ... THEN ... END
    if (type == T_KW && kw == K_CASE && this.caseState == 0) {
      this.caseState = 1;
      this.caseCount = 0;
    } else if (this.caseState > 0) {
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
    if (type == T_WORD && ((n == 0 && !this.ctx) || this.t1 == T_SEMI) && isWord(start, stop, "backup")) this.backup = 1;
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
    if (this.t1 == T_SEMI && (type == T_WORD || type == T_FUNC) && isIfWhile(start, stop)) this.ctrl = 1;
    else if (this.t1 == T_SEMI && type == T_KW && kw == K_BEGIN) this.ctrl = 2;
    else if (this.ctrl > 0) {
      if (this.ctrl == 1 && type == T_CMP) this.ctrl = 2;
      else if (this.ctrl == 2 && type == T_KW && isStatement(kw)) {
        if (kw == K_SHUTDOWN) return this.fire("sqli.stacked", start);
        this.stackPending = true;
        this.ctrl = 0;
      } else if (type == T_SEMI || (type == T_WORD && this.t1 == T_WORD)) this.ctrl = 0;
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
    if (this.t1 == T_KW && this.k1 == K_EXEC && (type == T_WORD || type == T_FUNC) && isProcName(start, stop))
      return this.fire("sqli.exec", start);
    if (this.t1 == T_KW && this.k1 == K_DECLARE && type == T_VAR) return this.fire("sqli.declare", start);

    // ORDER/GROUP BY <n> after a literal or ')'.
    if (
      type == T_NUM &&
      this.t1 == T_KW &&
      this.k1 == K_BY &&
      this.t2 == T_KW &&
      (this.k2 == K_ORDER || this.k2 == K_GROUP) &&
      (this.t3 == T_STR || this.t3 == T_NUM || this.t3 == T_RP)
    )
      return this.fire("sqli.order-by", start);

    // A literal closed and followed by an operator and another operand: x' & 'y, 1' * id - '0, '^'.
    // Arithmetic or concatenation needs code on its right (x'+(select..., x'||version()); a comparison
    // may also take a literal (x'='x, 1'=0).
    if (this.breakoutOp) {
      this.breakoutOp = false;
      if (
        type == T_VAR ||
        (type == T_FUNC && kw >= K_FSQL) ||
        type == T_LP ||
        (type == T_KW && (kw == K_NULL || kw == K_SELECT)) ||
        (this.t1 == T_CMP && type == T_STR)
      ) {
        return this.fire("sqli.breakout-operator", start);
      }
      if (this.t1 == T_CMP && type == T_NUM) this.pend("sqli.breakout-operator", start);
    }
    if (
      this.ctx &&
      n == 1 &&
      this.t1 == T_STR &&
      ((type == T_CMP && !isWordOp(start)) || (type == T_OP && kw != K_NOT && !isHyphen(start, stop) && !isWordOp(start)))
    )
      this.breakoutOp = true;

    // Nested calls of SQL functions: conv(hex(substr(...
    if (this.lastFunc == 2 && type == T_FUNC && kw >= K_FSQL) return this.fire("sqli.function", start);
    if (type == T_FUNC && kw >= K_FSQL) this.lastFunc = 1;
    else if (type == T_LP && this.lastFunc == 1) this.lastFunc = 2;
    else this.lastFunc = 0;

    // xp_cmdshell and friends, called or named.
    if (type == T_WORD && kw == K_FDANGER && load<u16>(start) == 0x7078 && load<u8>(start + 2) == 0x5f)
      return this.fire("sqli.function", start);

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
      } else if (
        type == T_NUM ||
        type == T_STR ||
        type == T_VAR ||
        type == T_LP ||
        type == T_FUNC ||
        (type == T_KW && (kw == K_NULL || kw == K_CASE)) ||
        (type == T_OP && load<u8>(start) == 0x2a)
      ) {
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
      const strong =
        t1 == T_LP ||
        t1 == T_SEMI ||
        t1 == T_OP ||
        t1 == T_LOGIC ||
        t1 == T_CMP ||
        t1 == T_COMMA ||
        t1 == T_RP ||
        (t1 == T_KW && (this.k1 == K_UNION || this.k1 == K_ALL || this.k1 == K_THEN || this.k1 == K_ELSE)) ||
        (t1 == T_STR && this.ctx && n == 1);
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
    this.t3 = this.t2;
    this.k3 = this.k2;
    this.t2 = this.t1;
    this.k2 = this.k1;
    this.t1 = type;
    this.k1 = kw;
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
        if (
          type == T_NUM ||
          type == T_STR ||
          type == T_VAR ||
          type == T_WORD ||
          type == T_FUNC ||
          (type == T_KW && (kw == K_NULL || kw == K_TRUE))
        ) {
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
        if (
          type == T_NUM ||
          type == T_STR ||
          type == T_VAR ||
          type == T_FUNC ||
          (type == T_KW && (kw == K_NULL || kw == K_TRUE || kw == K_SELECT))
        ) {
          if (this.boolLeftType != T_WORD || type == T_NUM || type == T_STR || this.boolIs || this.boolAfterBreakout)
            return this.fire("sqli.tautology", start);
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
    if (this.boolState == B_AFTER && this.boolAfterBreakout && this.boolLeftType != T_WORD)
      return this.fire("sqli.breakout-logic", this.end);
    if (this.quoteOp == 2) {
      // Both literals short, a word at most each (a word operator needs them shorter still: prose
      // quotes words like 'like').
      const max = this.quoteOpWord ? 2 : 3;
      if (shortWord(this.passStart, this.leadStop - 1, max) && shortWord(this.tailStart + 1, this.end, max))
        return this.fire("sqli.breakout-operator", this.tailStart);
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
    case K_SELECT:
      return true;
    case K_INSERT:
      return type == T_KW && kw == K_INTO;
    case K_DELETE:
      return type == T_KW && kw == K_FROM;
    case K_UPDATE:
      return type == T_WORD || type == T_VAR;
    case K_DROP:
    case K_CREATE:
    case K_ALTER:
    case K_TRUNCATE:
      return (type == T_KW && (kw == K_TABLE || kw == K_PROCEDURE)) || (type == T_WORD && isObjectWord(start, stop));
    case K_EXEC:
      return type == T_VAR || type == T_LP || type == T_STR || ((type == T_WORD || type == T_FUNC) && isProcName(start, stop));
    case K_DECLARE:
      return type == T_VAR;
    case K_WAITFOR:
      return (type == T_KW && kw == K_DELAY) || type == T_WORD;
    case K_GRANT:
      return (type == T_KW && kw == K_ALL) || type == T_WORD;
    case K_CALL:
      return type == T_FUNC;
  }
  return false;
}

/** database, user, view, index, function, trigger, schema, login */
function isObjectWord(start: usize, stop: usize): bool {
  const n = <i32>(stop - start);
  const w = String.UTF8.decodeUnsafe(start, n);
  return (
    w == "database" || w == "user" || w == "view" || w == "index" || w == "function" || w == "trigger" || w == "schema" || w == "login"
  );
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
