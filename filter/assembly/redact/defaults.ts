// The default names redaction applies to, written once. The TME's TME_REDACT_HEADERS /
// TME_REDACT_FIELDS defaults (host/tme-server/src/config.ts) must list the same names: a test compares them.

/** Headers (and trailers) whose values are secrets. */
export const DEFAULT_REDACT_HEADERS: Array<string> = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "x-auth-token",
  "x-csrf-token",
  "x-xsrf-token",
  "x-amz-security-token",
];

/** Query, form, JSON, XML and multipart field names whose values are secrets. */
export const DEFAULT_REDACT_FIELDS: Array<string> = [
  "password",
  "passwd",
  "pass",
  "pwd",
  "secret",
  "token",
  "api_key",
  "apikey",
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "credentials",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "x-auth-token",
  "x-csrf-token",
  "x-xsrf-token",
  "x-amz-security-token",
  "csrf_token",
  "session_token",
  "private_key",
];
