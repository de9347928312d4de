// The SQL vocabulary of the injection detector (sqli.ts): token types, keyword ids and the lexicon
// that maps a lower-case word to its id, shared by the lexer and the analyser.

import { Lexicon } from "./lexicon";

// Token types.
export const T_STR = 1;
export const T_NUM = 2;
export const T_WORD = 3;
export const T_KW = 4;
export const T_VAR = 5;
export const T_OP = 6;
export const T_CMP = 7;
export const T_LOGIC = 8;
export const T_LP = 9;
export const T_RP = 10;
export const T_COMMA = 11;
export const T_SEMI = 12;
export const T_COMMENT = 13;
export const T_FUNC = 14;

// Keyword ids (the lexicon value).
export const K_UNION = 1;
export const K_SELECT = 2;
export const K_FROM = 3;
export const K_WHERE = 4;
export const K_INSERT = 5;
export const K_UPDATE = 6;
export const K_DELETE = 7;
export const K_DROP = 8;
export const K_CREATE = 9;
export const K_ALTER = 10;
export const K_EXEC = 11;
export const K_DECLARE = 12;
export const K_WAITFOR = 13;
export const K_SHUTDOWN = 14;
export const K_TRUNCATE = 15;
export const K_BEGIN = 16;
export const K_SET = 17;
export const K_INTO = 18;
export const K_OUTFILE = 19;
export const K_ORDER = 20;
export const K_GROUP = 21;
export const K_BY = 22;
export const K_HAVING = 23;
const K_LIMIT = 24;
export const K_ALL = 25;
export const K_NULL = 27;
export const K_TRUE = 28;
export const K_CASE = 29;
export const K_WHEN = 30;
export const K_THEN = 31;
export const K_ELSE = 32;
export const K_END = 33;
export const K_DELAY = 34;
const K_AS = 35;
export const K_TABLE = 36;
const K_VALUES = 37;
export const K_TOP = 38;
export const K_PROCEDURE = 39;
export const K_NOT = 41;
export const K_LOGIC = 42; // and, or, xor
export const K_CMPWORD = 43; // like, rlike, regexp, sounds
export const K_OPWORD = 44; // div, mod
export const K_GRANT = 45;
export const K_CALL = 46;
export const K_IS = 47;
export const K_FSQL = 60; // an ordinary SQL function (only a call when followed by '(')
export const K_FDANGER = 61; // a function that has no business in a parameter value
export const K_NILADIC = 62; // a function called without parentheses (current_user, current_date...)

export const WORDS = new Lexicon()
  .add("union", K_UNION)
  .add("select", K_SELECT)
  .add("from", K_FROM)
  .add("where", K_WHERE)
  .add("insert", K_INSERT)
  .add("update", K_UPDATE)
  .add("delete", K_DELETE)
  .add("drop", K_DROP)
  .add("create", K_CREATE)
  .add("alter", K_ALTER)
  .add("exec execute", K_EXEC)
  .add("declare", K_DECLARE)
  .add("waitfor", K_WAITFOR)
  .add("shutdown", K_SHUTDOWN)
  .add("truncate", K_TRUNCATE)
  .add("begin", K_BEGIN)
  .add("set", K_SET)
  .add("into", K_INTO)
  .add("outfile dumpfile", K_OUTFILE)
  .add("order", K_ORDER)
  .add("group", K_GROUP)
  .add("by", K_BY)
  .add("having", K_HAVING)
  .add("limit offset", K_LIMIT)
  .add("all distinct distinctrow", K_ALL)
  .add("null", K_NULL)
  .add("true false", K_TRUE)
  .add("case", K_CASE)
  .add("when", K_WHEN)
  .add("then", K_THEN)
  .add("else", K_ELSE)
  .add("end", K_END)
  .add("delay", K_DELAY)
  .add("as", K_AS)
  .add("table", K_TABLE)
  .add("values", K_VALUES)
  .add("top", K_TOP)
  .add("procedure", K_PROCEDURE)
  .add("not binary", K_NOT)
  .add("and or xor", K_LOGIC)
  .add("like rlike regexp sounds", K_CMPWORD)
  .add("div mod", K_OPWORD)
  .add("grant revoke", K_GRANT)
  .add("call", K_CALL)
  .add("is", K_IS)
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
    K_FSQL,
  )
  .add(
    "current_user session_user system_user current_date current_time current_timestamp utc_date utc_time " +
      "utc_timestamp localtime localtimestamp",
    K_NILADIC,
  )
  .add(
    "sleep benchmark pg_sleep load_file extractvalue updatexml xp_cmdshell sys_eval sys_exec " +
      "dbms_pipe.receive_message dbms_lock.sleep utl_inaddr.get_host_address utl_http.request " +
      "utl_inaddr.get_host_name dbms_xmlgen.getxml randomblob name_const gtid_subset geometrycollection " +
      "multipoint polygon multipolygon linestring multilinestring json_keys pg_read_file lo_import " +
      "lo_export pg_ls_dir xp_dirtree xp_fileexist openrowset opendatasource ctxsys.drithsx.sn " +
      "get_lock master_pos_wait",
    K_FDANGER,
  );

/** Statement keywords that may follow ';' in a stacked query. */
export function isStatement(k: i32): bool {
  return (
    k == K_SELECT ||
    k == K_INSERT ||
    k == K_UPDATE ||
    k == K_DELETE ||
    k == K_DROP ||
    k == K_CREATE ||
    k == K_ALTER ||
    k == K_EXEC ||
    k == K_DECLARE ||
    k == K_WAITFOR ||
    k == K_SHUTDOWN ||
    k == K_TRUNCATE ||
    k == K_GRANT ||
    k == K_CALL
  );
}
