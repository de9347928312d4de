// Sensitive-data classes of one field, from its name and its value. Only the
// class names leave this module; values are looked at and forgotten. Each
// check is a bounded linear scan or an anchored character-class pattern, run
// only on values up to MAX_VALUE_CHARS long.
import { isIP } from 'node:net';

export const SENSITIVE_CLASSES = ['email', 'phone', 'card', 'iban', 'ssn', 'jwt', 'secret', 'ip', 'dob'] as const;
export type SensitiveClass = (typeof SENSITIVE_CLASSES)[number];

/** What the filter (or the TME) puts in place of a value whose field name marks it as a secret. */
export const REDACTED = '[REDACTED]';

const MAX_VALUE_CHARS = 4096;

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}$/;
const PHONE = /^\+?[0-9 ().-]{7,24}$/;
const CARD = /^[0-9][0-9 -]{11,22}[0-9]$/;
const IBAN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
const SSN = /^(\d{3})-(\d{2})-(\d{4})$/;
const JWT = /^eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$/;
// Provider key prefixes (Stripe, AWS, GitHub, Slack, Google, OpenAI-style) with a long random tail.
const KEY_PREFIX =
  /^(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}$|^AKIA[0-9A-Z]{16}$|^gh[pousr]_[A-Za-z0-9]{30,}$|^xox[abpr]-[A-Za-z0-9-]{10,}$|^AIza[0-9A-Za-z_-]{35}$|^sk-[A-Za-z0-9_-]{20,}$/;
const BEARER = /^(?:Bearer|Basic|Token) [A-Za-z0-9._~+/=-]{8,}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$|^(\d{2})[/.](\d{2})[/.](\d{4})$/;
const TOKEN = /^[A-Za-z0-9_+/=.-]{24,}$/;

const PHONE_NAME = /phone|mobile|msisdn|(?:^|_)tel(?:$|_)|telephone|fax/i;
const DOB_NAME = /birth|dob|(?:^|_)born/i;
const SECRET_NAME = /secret|passw|pwd|token|api[_-]?key|apikey|private[_-]?key|credential|session|auth/i;
const SSN_NAME = /ssn|social[_-]?security|national[_-]?id|tax[_-]?id/i;

function digitsOf(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) out += text[i];
  }
  return out;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check: the rearranged number, letters as 10-35, is 1 modulo 97 (computed digit by digit). */
export function ibanValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    const value = c >= 65 ? c - 55 : c - 48;
    rest = value >= 10 ? (rest * 100 + value) % 97 : (rest * 10 + value) % 97;
  }
  return rest === 1;
}

/** US SSN rules: area not 000, 666 or 900-999; group not 00; serial not 0000. */
export function ssnValid(text: string): boolean {
  const m = SSN.exec(text);
  if (m === null) return false;
  const area = Number(m[1]);
  return area !== 0 && area !== 666 && area < 900 && m[2] !== '00' && m[3] !== '0000';
}

function plausibleBirthDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const year = Number(m[1] ?? m[6]);
  const now = new Date().getUTCFullYear();
  return year >= now - 120 && year <= now;
}

function highEntropyToken(text: string): boolean {
  if (!TOKEN.test(text)) return false;
  let digits = 0;
  let upper = 0;
  let lower = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 97 && c <= 122) lower++;
  }
  return digits > 0 && upper > 0 && lower > 0;
}

/**
 * The classes of a field. `name` is the field, parameter or header name (may be ''); `value` its
 * value as text. A value the redactor replaced means the field is a secret by its name.
 */
export function classify(name: string, value: string): SensitiveClass[] {
  const out: SensitiveClass[] = [];
  if (value === REDACTED) return ['secret'];
  if (value.length === 0 || value.length > MAX_VALUE_CHARS) return out;
  if (EMAIL.test(value)) out.push('email');
  if (JWT.test(value)) out.push('jwt');
  else if (KEY_PREFIX.test(value) || BEARER.test(value) || (SECRET_NAME.test(name) && highEntropyToken(value))) out.push('secret');
  if (ssnValid(value) || (SSN_NAME.test(name) && /^\d{9}$/.test(value))) out.push('ssn');
  if (value.length <= 45 && (value.includes('.') || value.includes(':')) && isIP(value) !== 0) out.push('ip');
  if (IBAN.test(value) && ibanValid(value)) out.push('iban');
  if (CARD.test(value)) {
    const digits = digitsOf(value);
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) out.push('card');
  }
  if (!out.includes('card') && !out.includes('ssn') && PHONE.test(value)) {
    const digits = digitsOf(value).length;
    if (digits >= 7 && digits <= 15 && (PHONE_NAME.test(name) || (value.startsWith('+') && digits >= 8))) out.push('phone');
  }
  if (DOB_NAME.test(name) && plausibleBirthDate(value)) out.push('dob');
  return out;
}

/** Classes implied by a field name alone, for fields whose value is not a string (e.g. a numeric card). */
export function classifyNumber(name: string, value: number): SensitiveClass[] {
  if (!Number.isSafeInteger(value) || value < 0) return [];
  return classify(name, String(value)).filter((c) => c === 'card' || c === 'ssn' || c === 'phone');
}
