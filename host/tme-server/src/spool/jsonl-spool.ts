// The local append-only record of accepted captures: one JSON object per line,
// in numbered files that rotate by size, oldest deleted beyond a count.
//
// Durability (TME_SPOOL_FSYNC). Each batch is one write(2), and the caller
// acknowledges the batch only after `append` resolves:
// - always:   fdatasync before resolving. An acknowledged capture survives a
//             crash of the TME, the pod and the machine. Costs one disk flush per
//             batch (roughly 0.1–10 ms, by disk); batching amortises it.
// - interval: flush every TME_SPOOL_FSYNC_INTERVAL_MS. A TME crash loses nothing
//             (the data is in the page cache), but a machine crash or power loss
//             can lose what was acknowledged in the last interval.
// - never:    leave flushing to the kernel (typically within ~30 s). Fastest;
//             same crash exposure as interval, with a longer window.
// fdatasync is enough for appends: it also flushes the file-size change needed
// to read the new data back, and skips timestamps nobody reads. Creating and
// deleting files also fsyncs the directory, so a new file's name survives a
// crash as well as its data.
//
// A write that does not land whole is not acknowledged: a short write (a full
// disk, a file-size limit) or an error such as ENOSPC or EFBIG cuts the file
// back to where the batch began and rejects the append (the sender gets 503 and
// may retry). A file that ends in a torn line (the TME killed during a write) is
// cut back to its last complete line when the spool opens, before anything is
// appended: an appended line never merges with a partial one.
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface SpoolOptions {
  dir: string;
  maxFileBytes: number;
  keepFiles: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

const FILE_NAME = /^captures-(\d{6,})\.jsonl$/;

function fileName(sequence: number): string {
  return `captures-${String(sequence).padStart(6, '0')}.jsonl`;
}

interface SpoolFile {
  sequence: number;
  bytes: number;
}

async function existingFiles(dir: string): Promise<SpoolFile[]> {
  const files: SpoolFile[] = [];
  for (const name of await readdir(dir)) {
    const match = FILE_NAME.exec(name);
    if (match) files.push({ sequence: Number(match[1]), bytes: (await stat(join(dir, name))).size });
  }
  return files.sort((a, b) => a.sequence - b.sequence);
}

/** Cuts a file that does not end with a newline back to its last complete line; returns its new size. */
async function cutTornLine(path: string, size: number): Promise<number> {
  if (size === 0) return 0;
  const handle = await open(path, 'r+');
  try {
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline >= 0 || start === 0) {
        const keep = newline >= 0 ? start + newline + 1 : 0;
        if (keep < size) {
          await handle.truncate(keep);
          await handle.datasync();
          console.error(`tme: spool: cut ${size - keep} bytes of a torn last line from ${path}`);
        }
        return keep;
      }
      end = start;
    }
    return size;
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class SpoolWriteError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

// Someone (an operator, a log shipper) may already have removed an old file.
function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

export class JsonlSpool {
  // Appends, rotations and flushes run one at a time, in order.
  private queue: Promise<unknown> = Promise.resolve();
  private dirty = false;
  /** A failed write could not be cut back: nothing more is appended until it is. */
  private tornAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly files: SpoolFile[],
    private handle: FileHandle,
  ) {
    if (options.fsync === 'interval') {
      const flush = (): void => {
        this.serialize(() => this.flushIfDirty()).catch((error: unknown) => console.error('tme: spool flush failed:', error));
      };
      this.timer = setInterval(flush, options.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  static async open(options: SpoolOptions): Promise<JsonlSpool> {
    await mkdir(options.dir, { recursive: true });
    const files = await existingFiles(options.dir);
    // Continue the newest file after a restart instead of leaving many small ones.
    if (files.length === 0) files.push({ sequence: 1, bytes: 0 });
    const current = files[files.length - 1]!;
    const path = join(options.dir, fileName(current.sequence));
    current.bytes = await cutTornLine(path, current.bytes);
    const handle = await open(path, 'a');
    await syncDirectory(options.dir);
    return new JsonlSpool(options, files, handle);
  }

  /** Total bytes in all spool files, including what is not yet flushed. */
  bytes(): number {
    return this.files.reduce((sum, file) => sum + file.bytes, 0);
  }

  /**
   * Appends lines (given as buffers that together end each line with a newline) as a single write; resolves once the policy's
   * durability holds, rejects when they are not all on disk (and then none of them is kept).
   */
  append(lines: readonly Buffer[]): Promise<void> {
    const size = lines.reduce((sum, line) => sum + line.length, 0);
    if (size === 0) return Promise.resolve();
    return this.serialize(async () => {
      await this.cutBackTornWrite();
      if (this.current().bytes > 0 && this.current().bytes + size > this.options.maxFileBytes) await this.rotate();
      const start = this.current().bytes;
      try {
        const { bytesWritten } = await this.handle.writev(lines as Buffer[]);
        if (bytesWritten !== size) throw new SpoolWriteError(`short write: ${bytesWritten} of ${size} bytes`, 'ESHORTWRITE');
      } catch (error) {
        this.tornAt = start;
        await this.cutBackTornWrite().catch((cutError: unknown) => console.error('tme: spool: cannot cut back a failed write:', cutError));
        throw error;
      }
      this.current().bytes += size;
      this.dirty = true;
      if (this.options.fsync === 'always') await this.flushIfDirty();
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.serialize(async () => {
      await this.flushIfDirty();
      await this.handle.close();
    });
  }

  private current(): SpoolFile {
    return this.files[this.files.length - 1]!;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    // One failed write must not block every later one.
    this.queue = run.catch(() => {});
    return run;
  }

  private async cutBackTornWrite(): Promise<void> {
    if (this.tornAt === undefined) return;
    await this.handle.truncate(this.tornAt);
    this.tornAt = undefined;
  }

  private async flushIfDirty(): Promise<void> {
    if (!this.dirty) return;
    await this.handle.datasync();
    this.dirty = false;
  }

  private async rotate(): Promise<void> {
    await this.flushIfDirty();
    await this.handle.close();
    const next = { sequence: this.current().sequence + 1, bytes: 0 };
    this.handle = await open(join(this.options.dir, fileName(next.sequence)), 'a');
    this.files.push(next);
    while (this.files.length > this.options.keepFiles) {
      const oldest = this.files.shift()!;
      await unlink(join(this.options.dir, fileName(oldest.sequence))).catch(ignoreMissing);
    }
    await syncDirectory(this.options.dir);
  }
}
