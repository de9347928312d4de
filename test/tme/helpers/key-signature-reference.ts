// The key signature as it was before it read the bodies only (commit 6e91761's key-signature.ts, a whole
// record scanned from its first byte): the reference the check is compared with. Not used by the TME.
/** Bytes of a record scanned for body keys (a larger record's later keys are the sample's). */
const MAX_SCANNED_BYTES = 16 * 1024;
/** Key nesting followed inside a body, as the schema's own depth bound. */
const MAX_KEY_DEPTH = 8;

const SEED_REQUEST = 0x2f6b1c3d;
const SEED_RESPONSE = 0x51d7a9e3;
const SEED_QUERY = 0x7a3e9c15;
const SEED_META = 0x1b873593;

// What a byte is to the scan: 0 nothing to do in any state, 1 a quote, 2 a backslash, 3 an opening
// bracket, 4 a closing one, 5 a colon, 6 a comma.
const QUOTE = 1;
const BACKSLASH = 2;
const OPEN = 3;
const CLOSE = 4;
const COLON = 5;
const COMMA = 6;
const CLASS = new Uint8Array(256);
CLASS[0x22] = QUOTE;
CLASS[0x5c] = BACKSLASH;
CLASS[0x7b] = OPEN;
CLASS[0x5b] = OPEN;
CLASS[0x7d] = CLOSE;
CLASS[0x5d] = CLOSE;
CLASS[0x3a] = COLON;
CLASS[0x2c] = COMMA;

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

/** An embedded key's bytes, escapes as they are spelt: the same name always hashes the same. */
function bytesHash(seed: number, record: Buffer, start: number, end: number): number {
  let h = seed;
  for (let i = start; i < end; i++) h = mix(h, record[i]!);
  return h;
}

const RESPONSE = Buffer.from('response"');

function isResponseKey(record: Buffer, start: number): boolean {
  for (let i = 0; i < RESPONSE.length; i++) if (record[start + i] !== RESPONSE[i]) return false;
  return true;
}

/** A scratch key path stack, reused record after record (the inventory runs on one thread). */
const parents = new Int32Array(MAX_KEY_DEPTH + 1);

/**
 * Hashes the keys of the JSON held in the record's strings (its bodies), each as its path from the body,
 * under the request's or the response's seed. JSON inside a record string is escaped: its quotes are
 * `\"`, its own escapes `\\` then the escaped character. Valid JSON has a key before every colon outside
 * its strings, so the last string closed before one is a key; only keys are hashed.
 */
function scanRecord(record: Buffer, from: number, responseSeed: number, bits: Uint32Array): void {
  const end = Math.min(record.length, from + MAX_SCANNED_BYTES);
  let depth = from === 0 ? 0 : 2; // the record's own nesting
  let section = SEED_REQUEST;
  let inString = false;
  let stringStart = 0;
  let depthOneKey = -1;
  // The embedded JSON's state: inside one of its strings, its last string, its key path.
  let inText = false;
  let keyStart = 0;
  let keyEnd = 0;
  let nesting = 0;
  let path = section;
  let valuePath = section;
  for (let i = from; i < end; i++) {
    const kind = CLASS[record[i]!]!;
    if (kind === 0) continue;
    if (!inString) {
      if (kind === QUOTE) {
        inString = true;
        stringStart = i + 1;
        inText = false;
        nesting = 0;
        path = section;
        valuePath = section;
      } else if (kind === OPEN) {
        // The request's and the response's bodies are two levels down: the level-one key names the side.
        if (++depth === 2) section = depthOneKey >= 0 && isResponseKey(record, depthOneKey) ? responseSeed : SEED_REQUEST;
      } else if (kind === CLOSE) depth--;
      else if (kind === COLON && depth === 1) depthOneKey = stringStart;
      continue;
    }
    if (kind === QUOTE) {
      inString = false;
      continue;
    }
    if (kind === BACKSLASH) {
      const e = record[++i]!;
      if (e === 0x22) {
        // An unescaped quote of the embedded JSON: one of its strings opens or closes.
        if (inText) keyEnd = i - 1;
        else keyStart = i + 1;
        inText = !inText;
      } else if (e === 0x5c) {
        // The embedded JSON's own backslash: the character it escapes (a byte, or a record escape) goes with it.
        if (inText && record[++i] === 0x5c && record[++i] === 0x75) i += 4;
      } else if (e === 0x75) i += 4;
      continue;
    }
    if (inText) continue;
    if (kind === COLON) {
      valuePath = bytesHash(mix(path, 0x2e), record, keyStart, keyEnd);
      setBits(bits, valuePath);
    } else if (kind === OPEN) {
      if (nesting < MAX_KEY_DEPTH) parents[nesting] = path;
      if (++nesting <= MAX_KEY_DEPTH) path = record[i] === 0x5b ? mix(valuePath, 0x5b) : valuePath;
      valuePath = path;
    } else if (kind === CLOSE) {
      if (nesting > 0 && --nesting < MAX_KEY_DEPTH) path = parents[nesting]!;
      valuePath = path;
    } else valuePath = path;
  }
}

export interface ReferenceParts {
  /**
   * Where the scan may start: 0, or just after the request's query string, inside the request object (the
   * record format writes its line and query before its headers and body, and the response after it).
   */
  keysFrom: number;
  status: number;
  query: string;
  requestContentType: string;
  responseContentType: string;
}

/** The record's field-name bits, into `bits` (cleared first). */
export function referenceSignature(record: Buffer, parts: ReferenceParts, bits: Uint32Array): void {
  bits.fill(0);
  setBits(bits, mix(SEED_META, parts.status));
  setBits(bits, textHash(SEED_META, parts.requestContentType));
  setBits(bits, textHash(SEED_META ^ 1, parts.responseContentType));
  const query = parts.query;
  let h = SEED_QUERY;
  let inName = true;
  for (let i = 0; i < query.length && i < MAX_SCANNED_BYTES; i++) {
    const c = query.charCodeAt(i);
    if (c === 0x26) {
      if (h !== SEED_QUERY) setBits(bits, h);
      h = SEED_QUERY;
      inName = true;
    } else if (c === 0x3d) inName = false;
    else if (inName) h = mix(h, c);
  }
  if (h !== SEED_QUERY) setBits(bits, h);
  scanRecord(record, parts.keysFrom, mix(SEED_RESPONSE, parts.status), bits);
}
