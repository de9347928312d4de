// Persistence: the whole state written to one file (a temporary file renamed
// over the old one, so a crash leaves either snapshot whole) when it changed,
// at most every interval and at shutdown, and replayed at start. The state is
// bounded (endpoints per host, hosts, schema width and depth), so the file is.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Inventory } from './inventory.ts';
import { readState, stateOf } from './state.ts';

const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

export class SnapshotFile {
  private timer: NodeJS.Timeout | undefined;
  private savedVersion = -1;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly inventory: Inventory,
    private readonly intervalMs: number,
  ) {}

  /** Replays the snapshot, if there is one; a damaged one is reported and set aside, not fatal. */
  async load(): Promise<void> {
    let text: string;
    try {
      if ((await stat(this.file)).size > MAX_SNAPSHOT_BYTES) throw new Error(`larger than ${MAX_SNAPSHOT_BYTES} bytes`);
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      console.error(`tme: inventory snapshot ${this.file} not read: ${(error as Error).message}`);
      return;
    }
    try {
      const { endpoints, specs } = readState(JSON.parse(text));
      if (specs !== undefined) this.inventory.setSpecs(specs);
      this.inventory.merge(endpoints);
      this.savedVersion = this.inventory.version;
    } catch (error) {
      console.error(`tme: inventory snapshot ${this.file} is damaged (${(error as Error).message}); moved aside, starting empty`);
      await rename(this.file, `${this.file}.damaged`).catch(() => undefined);
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.save(), this.intervalMs);
    this.timer.unref();
  }

  save(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.inventory.version === this.savedVersion) return;
      const version = this.inventory.version;
      try {
        await mkdir(dirname(this.file), { recursive: true });
        const temporary = `${this.file}.tmp`;
        await writeFile(temporary, JSON.stringify(stateOf(this.inventory, true)));
        await rename(temporary, this.file);
        this.savedVersion = version;
      } catch (error) {
        console.error(`tme: inventory snapshot ${this.file} not written: ${(error as Error).message}`);
      }
    });
    return this.writing;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.inventory.settle();
    await this.save();
  }
}
