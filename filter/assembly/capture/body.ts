import { ByteBuffer } from "../json/bytes";
import { JsonKey, JsonWriter } from "../json/writer";
import { isValidUtf8 } from "../encoding/utf8";
import { writeBase64 } from "../encoding/base64";

const KEY_DATA = new JsonKey("data");
const KEY_ENCODING = new JsonKey("encoding");
const KEY_SIZE = new JsonKey("size");
const KEY_TRUNCATED = new JsonKey("truncated");

/**
 * The captured prefix of one body. Envoy streams the body through untouched; we copy at most `limit`
 * bytes of it and count the rest, so capture never makes the proxy buffer or reject a large body.
 */
export class BodyCapture {
  readonly limit: i32;
  readonly data: ByteBuffer;
  /** Every byte that passed, captured or not. */
  size: u64 = 0;
  /** Written as base64 even when the bytes are UTF-8 (a record read back keeps its encoding). */
  base64: bool = false;

  /** What the buffer starts at, once the first chunk comes. */
  private readonly capacity: i32;

  /**
   * `expected`: the declared length, or -1; the buffer starts at what will be kept, saving regrowth.
   * Nothing is allocated before the first chunk, which usually is the whole body and is kept as the
   * host handed it over.
   */
  constructor(limit: i32, expected: i64 = -1) {
    this.limit = limit;
    let capacity: i64 = expected < 0 ? 1024 : expected;
    if (capacity > <i64>limit) capacity = <i64>limit;
    this.capacity = <i32>capacity;
    this.data = new ByteBuffer(0);
  }

  /** How many bytes of the next chunk to copy. */
  room(): i32 {
    return this.limit - this.data.length;
  }

  /** Appends a chunk the host handed over (the capture may keep `chunk` itself: it is not reused). */
  append(chunk: ArrayBuffer): void {
    let n = chunk.byteLength;
    const room = this.room();
    if (n > room) n = room;
    if (n <= 0) return;
    const data = this.data;
    if (data.length == 0) {
      // The whole expected body in one chunk: the host's copy is the capture.
      if (n >= this.capacity) {
        data.adopt(chunk, n);
        return;
      }
      if (data.capacity < this.capacity) data.reserve(this.capacity);
    }
    data.writeBytes(changetype<usize>(chunk), n);
  }

  /** Set when the producer of a record read back said the body was cut short (its size may not show it). */
  cut: bool = false;

  @inline get truncated(): bool {
    return this.cut || this.size > <u64>this.data.length;
  }

  /**
   * Writes the wire form: {"data", "encoding", "size", "truncated"}, with `len` bytes at `ptr` as the
   * data: the captured bytes after redaction.
   */
  write(w: JsonWriter, ptr: usize, len: i32): void {
    w.beginObject();
    w.encodedKey(KEY_DATA);
    // A text body cut inside a multi-byte character is not valid UTF-8 any more; base64 keeps every
    // captured byte exact in that case too.
    const text = !this.base64 && isValidUtf8(ptr, len);
    if (text) {
      w.stringBytes(ptr, len);
    } else {
      w.beginRawString();
      writeBase64(w.out, ptr, len);
      w.endRawString();
    }
    w.encodedKey(KEY_ENCODING);
    w.string(text ? "utf8" : "base64");
    w.encodedKey(KEY_SIZE);
    w.u64(this.size);
    w.encodedKey(KEY_TRUNCATED);
    w.bool(this.truncated);
    w.endObject();
  }
}
