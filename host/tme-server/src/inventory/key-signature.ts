// Which field names a record shows, read from its bytes without a parse: the JSON keys of its request and
// response bodies (as paths: `address.city` differs from `city`), its query parameter names, its status
// and content types, each hashed to two bits of a small Bloom filter. The inventory learns every record
// whose bits are not all in its endpoint's filter (a field it has not learned yet) and only a sample of
// the rest, so a field seen once in thousands of records is still learned without parsing the others.
// A false match only sends a record to the sample; a hostile stream of new names fills the filter, after
// which it forces nothing. Only the query and the bodies' data are read (the framing notes where they lie,
// in any field order): linear, and capped per body; keys past the cap are the sample's.

/** Filter size in 32-bit words: 512 bits, about 3% false matches per new name at 80 names. */
export const SIGNATURE_WORDS = 16;
/** Bytes of a body scanned for keys (a larger body's later keys are the sample's). */
const MAX_SCANNED_BYTES = 16 * 1024;
/** Key nesting followed inside a body, as the schema's own depth bound. */
const MAX_KEY_DEPTH = 8;

const SEED_REQUEST = 0x2f6b1c3d;
const SEED_RESPONSE = 0x51d7a9e3;
const SEED_QUERY = 0x7a3e9c15;
const SEED_META = 0x1b873593;

function mix(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193);
}

function setBits(bits: Uint32Array, hash: number): void {
  // The murmur3 finaliser spreads FNV's low-entropy tail before the two 9-bit indexes are taken.
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const a = h & 511;
  const b = (h >>> 9) & 511;
  bits[a >>> 5]! |= 1 << (a & 31);
  bits[b >>> 5]! |= 1 << (b & 31);
}

function textHash(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i));
  return h;
}

/** The last content type hashed, per side: records repeat theirs, often as the same string (span-cache.ts). */
const typeText = ['', ''];
const typeHash = [textHash(SEED_META, ''), textHash(SEED_META ^ 1, '')];

function contentTypeHash(side: 0 | 1, text: string): number {
  if (text !== typeText[side]) {
    typeText[side] = text;
    typeHash[side] = textHash(SEED_META ^ side, text);
  }
  return typeHash[side]!;
}

/** An embedded key's bytes, escapes as they are spelt: the same name always hashes the same. */
function bytesHash(seed: number, bytes: Buffer, start: number, end: number): number {
  let h = seed;
  for (let i = start; i < end; i++) h = mix(h, bytes[i]!);
  return h;
}

/** A scratch key path stack, reused body after body (the inventory runs on one thread). */
const parents = new Int32Array(MAX_KEY_DEPTH + 1);

/**
 * Hashes the keys of one body's JSON, each as its path from the body, under `seed` (the request's or the
 * response's). The body lies in `bytes[start, end)` as the content of a JSON string: its quotes are `\"`,
 * its own escapes `\\` then the escaped character (a byte, or a string escape). Valid JSON has a key
 * before every colon outside its strings, so the last string closed before one is a key; only keys are
 * hashed, each once. Each byte is read once by the loop and a key's once more by its hash: linear.
 */
function scanBody(bytes: Buffer, start: number, end: number, seed: number, bits: Uint32Array): void {
  const stop = Math.min(end, start + MAX_SCANNED_BYTES);
  let keyStart = 0;
  let keyEnd = 0;
  let nesting = 0;
  let path = seed;
  let valuePath = seed;
  let i = start;
  while (i < stop) {
    const c = bytes[i]!;
    if (c === 0x5c) {
      const e = bytes[i + 1];
      if (e !== 0x22) {
        // A string escape between the body's strings (its whitespace, or invalid JSON): \uXXXX or two bytes.
        i += e === 0x75 ? 6 : 2;
        continue;
      }
      // One of the body's strings opens. Most of a body is its strings' text, where only a backslash
      // matters: a tight loop finds the next one.
      keyStart = i += 2;
      for (;;) {
        while (i < stop && bytes[i] !== 0x5c) i++;
        if (i >= stop) return;
        const escaped = bytes[i + 1];
        if (escaped === 0x22) break;
        if (escaped === 0x5c) {
          // The body's own escape: its backslash, then the character it escapes (a byte, or a string escape).
          i = bytes[i + 2] !== 0x5c ? i + 3 : bytes[i + 3] !== 0x75 ? i + 4 : i + 8;
        } else i += escaped === 0x75 ? 6 : 2;
      }
      keyEnd = i;
      i += 2;
      continue;
    }
    if (c === 0x3a) {
      valuePath = bytesHash(mix(path, 0x2e), bytes, keyStart, keyEnd);
      setBits(bits, valuePath);
      // A second colon after one string is not JSON: it names nothing more, and costs no second hash.
      keyStart = keyEnd;
    } else if (c === 0x7b || c === 0x5b) {
      if (nesting < MAX_KEY_DEPTH) parents[nesting] = path;
      if (++nesting <= MAX_KEY_DEPTH) path = c === 0x5b ? mix(valuePath, 0x5b) : valuePath;
      valuePath = path;
    } else if (c === 0x7d || c === 0x5d) {
      if (nesting > 0 && --nesting < MAX_KEY_DEPTH) path = parents[nesting]!;
      valuePath = path;
    } else if (c === 0x2c) valuePath = path;
    i++;
  }
}

export interface SignatureParts {
  /**
   * The bytes that hold the query and the bodies' data as the content of JSON strings: the record's own
   * when the framing noted where they lie, else the parsed values spelt again by JSON.stringify.
   */
  signatureBytes: Buffer;
  /** Where the query and the request's and the response's body data lie in them; an end of 0 when absent. */
  queryStart: number;
  queryEnd: number;
  requestBodyStart: number;
  requestBodyEnd: number;
  responseBodyStart: number;
  responseBodyEnd: number;
  status: number;
  requestContentType: string;
  responseContentType: string;
}

/** The query's parameter names, as spelt in the bytes (percent-escapes and all). */
function scanQuery(bytes: Buffer, start: number, end: number, bits: Uint32Array): void {
  const stop = Math.min(end, start + MAX_SCANNED_BYTES);
  let h = SEED_QUERY;
  let inName = true;
  for (let i = start; i < stop; i++) {
    const c = bytes[i]!;
    if (c === 0x26) {
      if (h !== SEED_QUERY) setBits(bits, h);
      h = SEED_QUERY;
      inName = true;
    } else if (c === 0x3d) inName = false;
    else if (inName) h = mix(h, c);
  }
  if (h !== SEED_QUERY) setBits(bits, h);
}

/** The record's field-name bits, into `bits` (cleared first). */
export function keySignature(parts: SignatureParts, bits: Uint32Array): void {
  for (let i = 0; i < SIGNATURE_WORDS; i++) bits[i] = 0;
  setBits(bits, mix(SEED_META, parts.status));
  setBits(bits, contentTypeHash(0, parts.requestContentType));
  setBits(bits, contentTypeHash(1, parts.responseContentType));
  const bytes = parts.signatureBytes;
  const queryEnd = parts.queryEnd;
  if (queryEnd !== 0) scanQuery(bytes, parts.queryStart, queryEnd, bits);
  const requestEnd = parts.requestBodyEnd;
  if (requestEnd !== 0) scanBody(bytes, parts.requestBodyStart, requestEnd, SEED_REQUEST, bits);
  const responseEnd = parts.responseBodyEnd;
  if (responseEnd !== 0) scanBody(bytes, parts.responseBodyStart, responseEnd, mix(SEED_RESPONSE, parts.status), bits);
}

/** Whether `bits` has a bit `known` lacks. */
export function hasNewBits(bits: Uint32Array, known: Uint32Array): boolean {
  for (let i = 0; i < SIGNATURE_WORDS; i++) if ((bits[i]! & ~known[i]!) !== 0) return true;
  return false;
}

/** Adds `bits` into `into`; whether every bit of `into` is then set. */
export function addBits(into: Uint32Array, bits: Uint32Array): boolean {
  let all = -1;
  for (let i = 0; i < SIGNATURE_WORDS; i++) all &= into[i]! |= bits[i]!;
  return all === -1;
}
