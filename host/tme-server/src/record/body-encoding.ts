// Decides how captured bytes are carried: as text when they are valid UTF-8
// (readable in any backend, and redactable), otherwise as base64.
import type { CaptureBody } from '../ingest/record-schema.ts';

export function bodyFromBytes(bytes: Uint8Array, originalSize: number, truncated: boolean): CaptureBody {
  try {
    // A truncated capture may end inside a multi-byte character; `stream` lets
    // the decoder drop that incomplete tail instead of calling the body binary.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
    if (!text.includes('\u0000')) return { data: text, encoding: 'utf8', size: originalSize, truncated };
  } catch {
    // not UTF-8: fall through to base64
  }
  return { data: Buffer.from(bytes).toString('base64'), encoding: 'base64', size: originalSize, truncated };
}
