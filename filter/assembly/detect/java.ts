// Java attacks: a serialized Java object (the stream magic AC ED 00 05, as base64 "rO0AB" or hex
// "aced0005"), a fully-qualified class from the packages deserialization gadget chains and expression
// injections reach for (java.lang.Runtime, ...functors.InvokerTransformer, TemplatesImpl,
// JdbcRowSetImpl...), an expression-language block (OGNL %{...}, SpEL/EL ${...} and #{...}) that
// names a type (T(...), @Class@), an OGNL context variable (#_memberAccess, #context...), "new"
// with a qualified class, or a reflective method call, and the Spring4Shell class-loader path
// (class.module.classLoader...).

import { Hit, B_JAVA } from "./types";
import { Lexicon } from "./lexicon";
import { isAlpha, isWordByte, isSpaceByte, startsWith } from "./bytes";

const WINDOW = 160;

/** Packages and classes whose appearance in a request value is a gadget or a payload's target. */
const CLASSES = new Lexicon()
  // Packages that also appear in stack traces (java.lang.reflect, java.lang.Thread...) are left out.
  .add(
    "java.lang.runtime java.lang.processbuilder java.lang.processimpl java.beans.xmldecoder " +
      "javax.script.scriptenginemanager javax.naming.initialcontext jdk.jshell sun.misc.unsafe " +
      "com.sun.org.apache.xalan com.sun.org.apache.bcel com.sun.rowset com.sun.jndi " +
      "org.apache.commons.collections.functors org.apache.commons.collections4.functors " +
      "org.apache.commons.beanutils.beancomparator org.apache.xbean.naming org.apache.naming.factory " +
      "org.springframework.context.support.classpathxmlapplicationcontext org.codehaus.groovy.runtime " +
      "groovy.lang.groovyshell bsh.interpreter com.mchange.v2.c3p0 org.hibernate.jmx " +
      "org.apache.tomcat.dbcp ognl.ognlcontext freemarker.template.utility.execute",
    1,
  )
  .add(
    "invokertransformer chainedtransformer constanttransformer instantiatetransformer " +
      "templatesimpl jdbcrowsetimpl annotationinvocationhandler badattributevalueexpexception " +
      "lazymap transformedmap instantiatefactory",
    2,
  );

/** Gadget classes distinctive enough to name on their own. */
const GADGETS = new Lexicon().add(
  "invokertransformer chainedtransformer constanttransformer instantiatetransformer " +
    "templatesimpl jdbcrowsetimpl annotationinvocationhandler badattributevalueexpexception " +
    "lazymap transformedmap instantiatefactory",
  1,
);

/** Calls that only reflection and code execution need, inside an expression block. */
const CALLS = new Lexicon().add(
  "getclass forname getruntime exec start getmethod getdeclaredmethod invoke newinstance " +
    "getconstructor setaccessible loadclass getclassloader defineclass getbean eval getengine " +
    "getenv getproperty getinputstream getoutputstream getwriter getresponse getrequest " +
    "getservletcontext getsession readallbytes readobject",
  1,
);

/** OGNL context variables. */
const OGNL_VARS = new Lexicon().add(
  "_memberaccess context application request session parameters attr root this " + "container dm _ognlutil ognlutil",
  1,
);

/** Whether a word (any case) could be a gadget name: by length and first letter only. */
export function maybeGadgetName(p: usize, len: i32): bool {
  if (len < 7 || len > 28) return false;
  const c = load<u8>(p) | 0x20;
  // i c t j a b l, and a listed name of that first letter and length
  return (c == 0x69 || c == 0x63 || c == 0x74 || c == 0x6a || c == 0x61 || c == 0x62 || c == 0x6c) && GADGETS.mayHold(c, len);
}

/** The whole (lower-case) word is a gadget class name. */
export function isGadgetName(p: usize, len: i32): bool {
  return GADGETS.find(p, len) >= 0;
}

/** Looks for Java attacks in normalised bytes; fills `hit` and returns true on a hit. */
export function detectJava(p: usize, len: i32, hit: Hit): bool {
  const end = p + <usize>len;
  for (let q = p; q < end; q++) {
    const c = <u32>load<u8>(q);
    const boundary = q == p || !isWordByte(load<u8>(q - 1));
    if (c == 0x72 && boundary && startsWith(q, end, "ro0ab")) return hit.set(B_JAVA, "java.serialized-object", <i32>(q - p));
    if (c == 0x61 && boundary && startsWith(q, end, "aced0005")) return hit.set(B_JAVA, "java.serialized-object", <i32>(q - p));
    if (c == 0x63 && boundary && classLoaderPath(q, end)) return hit.set(B_JAVA, "java.class-loader", <i32>(q - p));
    if (c == 0x23 && q + 1 < end && OGNL_VARS.hasFirst(load<u8>(q + 1)) && ognlVar(q + 1, end))
      return hit.set(B_JAVA, "java.ognl", <i32>(q - p));
    if (boundary && CLASSES.hasFirst(c)) {
      const k = CLASSES.prefixAt(q, end);
      if (k >= 0) {
        const e = q + <usize>CLASSES.lengthAt(k);
        if (e >= end || !isAlpha(load<u8>(e))) return hit.set(B_JAVA, "java.gadget-class", <i32>(q - p));
      }
    }
    if ((c == 0x24 || c == 0x23 || c == 0x25) && q + 1 < end && load<u8>(q + 1) == 0x7b) {
      const s = q + 2;
      const limit = s + WINDOW < end ? s + WINDOW : end;
      if (expression(s, limit, c)) return hit.set(B_JAVA, "java.expression", <i32>(q - p));
      q = s - 1;
    }
  }
  return false;
}

/** class.module.classloader, class.classloader, class.protectiondomain (any case of separators). */
function classLoaderPath(q: usize, end: usize): bool {
  if (!startsWith(q, end, "class")) return false;
  let r = q + 5;
  if (r >= end || (load<u8>(r) != 0x2e && load<u8>(r) != 0x5b)) return false;
  r++;
  // class.module.classLoader, class['module']['classLoader']
  while (r < end && (load<u8>(r) == 0x22 || load<u8>(r) == 0x27)) r++;
  if (startsWith(r, end, "module")) {
    r += 6;
    while (r < end && (load<u8>(r) == 0x2e || load<u8>(r) == 0x5d || load<u8>(r) == 0x5b || load<u8>(r) == 0x22 || load<u8>(r) == 0x27))
      r++;
  }
  return startsWith(r, end, "classloader") || startsWith(r, end, "protectiondomain");
}

/** An OGNL context variable after "#" ("#_memberAccess", "#context['xwork...']"), followed by a separator. */
function ognlVar(s: usize, end: usize): bool {
  let e = s;
  while (e < end && e - s < 16 && isWordByte(load<u8>(e))) e++;
  if (OGNL_VARS.find(s, <i32>(e - s)) < 0) return false;
  if (e >= end) return false;
  const c = load<u8>(e);
  // "#context[", "#_memberaccess=", "#_memberaccess.allow", "#request.get(": an object in use.
  return c == 0x5b || c == 0x3d || c == 0x2e || (c == 0x3f && load<u8>(s) == 0x5f);
}

/** Inside an expression block: T(type), @Class@member, #var, new a.b.C(, or a reflective call. */
function expression(s: usize, e: usize, opener: u32): bool {
  for (let q = s; q < e; q++) {
    const c = <u32>load<u8>(q);
    if (c == 0x7d) return false;
    // A nested block opens its own window: stopping here keeps "${${${..." linear.
    if ((c == 0x24 || c == 0x23 || c == 0x25) && q + 1 < e && load<u8>(q + 1) == 0x7b) return false;
    const boundary = q == s || !isWordByte(load<u8>(q - 1));
    if (c == 0x74 && boundary && q + 2 < e && load<u8>(q + 1) == 0x28 && isAlpha(load<u8>(q + 2))) return true; // T(java.lang...)
    if (c == 0x40 && q + 1 < e && isAlpha(load<u8>(q + 1))) {
      // @java.lang.Math@max: a static member in OGNL.
      let r = q + 1;
      while (r < e && (isWordByte(load<u8>(r)) || load<u8>(r) == 0x2e)) r++;
      if (r < e && load<u8>(r) == 0x40) return true;
    }
    if (c == 0x23 && opener == 0x25 && q + 1 < e && (isAlpha(load<u8>(q + 1)) || load<u8>(q + 1) == 0x5f)) return true; // %{#a=...}
    if (c == 0x28 && opener == 0x25 && q == s) {
      // %{(#...)}: Struts payloads open with a parenthesised OGNL statement.
      let r = q + 1;
      while (r < e && isSpaceByte(load<u8>(r))) r++;
      if (r < e && load<u8>(r) == 0x23) return true;
    }
    if (c == 0x6e && boundary && startsWith(q, e, "new ") && qualifiedCall(q + 4, e)) return true;
    if (c == 0x2e && q + 1 < e && CALLS.hasFirst(load<u8>(q + 1))) {
      let r = q + 1;
      while (r < e && r - q < 24 && isWordByte(load<u8>(r))) r++;
      if (r < e && load<u8>(r) == 0x28 && CALLS.find(q + 1, <i32>(r - q - 1)) >= 0) return true;
    }
  }
  return false;
}

/** a.b.C( — a fully-qualified class being constructed. */
function qualifiedCall(s: usize, e: usize): bool {
  let r = s;
  while (r < e && isSpaceByte(load<u8>(r))) r++;
  let dots = 0;
  const w = r;
  while (r < e && r - w < 96 && (isWordByte(load<u8>(r)) || load<u8>(r) == 0x2e)) {
    if (load<u8>(r) == 0x2e) dots++;
    r++;
  }
  return dots >= 2 && r < e && (load<u8>(r) == 0x28 || load<u8>(r) == 0x5b);
}
