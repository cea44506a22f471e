import { existsSync, readFileSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export type WriteOutcome = 'ok' | 'failed';

/**
 * A document kept whole in one file and rewritten off the event loop: temp file, fsync, rename, fsync
 * of the directory. One write runs at a time; saves asked for while it runs share the next write,
 * which renders the state as it is when that write starts, so a burst of changes costs two writes.
 * The document comes as chunks the caller encoded once, so a write copies nothing on the loop.
 */
export class SnapshotFile {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    readonly path: string,
    private readonly render: () => Buffer[],
    private readonly onWrite?: (outcome: WriteOutcome) => void,
  ) {}

  /** The file's content, or null when there is none yet. Synchronous, for startup. */
  read(): string | null {
    return existsSync(this.path) ? readFileSync(this.path, 'utf8') : null;
  }

  /** Resolves once the state as it is now is on disk; rejects when that write fails. */
  save(): Promise<void> {
    if (this.queued !== null) return this.queued;
    if (this.running === null) return this.start();
    this.queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  /** Resolves once every save asked for so far has been written. */
  settled(): Promise<void> {
    return this.queued ?? this.running ?? Promise.resolve();
  }

  private start(): Promise<void> {
    const write: Promise<void> = writeDurably(this.path, this.render())
      .then(
        () => this.onWrite?.('ok'),
        (e: unknown) => {
          this.onWrite?.('failed');
          throw e;
        },
      )
      .finally(() => {
        if (this.running === write) this.running = null;
      });
    this.running = write;
    return write;
  }
}

async function writeDurably(path: string, chunks: Buffer[]): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    const { bytesWritten } = await file.writev(chunks);
    const size = chunks.reduce((n, c) => n + c.length, 0);
    if (bytesWritten !== size) throw new Error(`short write to ${tmp}: ${bytesWritten} of ${size} bytes`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  await syncDirectory(dir);
}

/** The rename is durable only once the directory entry is; some platforms cannot open a directory. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (e) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
