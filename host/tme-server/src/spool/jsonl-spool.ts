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
// to read the new data back, and skips timestamps nobody reads.
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

// Someone (an operator, a log shipper) may already have removed an old file.
function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

export class JsonlSpool {
  // Appends, rotations and flushes run one at a time, in order.
  private queue: Promise<unknown> = Promise.resolve();
  private dirty = false;
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
    const handle = await open(join(options.dir, fileName(current.sequence)), 'a');
    return new JsonlSpool(options, files, handle);
  }

  /** Total bytes in all spool files, including what is not yet flushed. */
  bytes(): number {
    return this.files.reduce((sum, file) => sum + file.bytes, 0);
  }

  /** Appends one line per entry as a single write; resolves once the policy's durability holds. */
  append(entries: readonly unknown[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const data = Buffer.from(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    return this.serialize(async () => {
      if (this.current().bytes > 0 && this.current().bytes + data.length > this.options.maxFileBytes) await this.rotate();
      await this.handle.write(data);
      this.current().bytes += data.length;
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
  }
}
