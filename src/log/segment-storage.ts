/**
 * Where a partition keeps its segments: a directory of `<base offset>.log` files, each sealed one
 * with a `<base offset>.index` summary beside it, or memory when the log has no data directory.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Segment } from './segment.js';
import { FileBytes, MemoryBytes } from './segment-bytes.js';
import { decodeIndexFile, encodeIndexFile } from './segment-index.js';

export interface SegmentStorage {
  /** The stored segments in offset order (none for a new partition). */
  load(): Segment[];
  create(base: number): Segment;
  /** The segment takes no more appends. */
  seal(segment: Segment): void;
  remove(segment: Segment): void;
  /**
   * Compaction: `frames` (possibly none) take the place of `replaced`, consecutive sealed segments;
   * the result is a sealed segment based at the first one's base, or null when nothing is left.
   */
  replace(replaced: Segment[], frames: Buffer): Segment | null;
  close(segments: readonly Segment[]): void;
}

export class MemorySegments implements SegmentStorage {
  load(): Segment[] {
    return [];
  }

  create(base: number): Segment {
    return new Segment(base, new MemoryBytes());
  }

  seal(segment: Segment): void {
    segment.bytes.seal();
  }

  remove(segment: Segment): void {
    segment.bytes.remove();
  }

  replace(replaced: Segment[], frames: Buffer): Segment | null {
    for (const s of replaced) s.bytes.remove();
    if (frames.length === 0) return null;
    return Segment.holding(replaced[0].base, new MemoryBytes(frames), frames);
  }

  close(): void {}
}

const NAME_DIGITS = 20;

function baseName(base: number): string {
  return String(base).padStart(NAME_DIGITS, '0');
}

export class FileSegments implements SegmentStorage {
  constructor(readonly dir: string) {}

  private logPath(base: number): string {
    return join(this.dir, `${baseName(base)}.log`);
  }

  private indexPath(base: number): string {
    return join(this.dir, `${baseName(base)}.index`);
  }

  load(): Segment[] {
    if (!existsSync(this.dir)) return [];
    const bases: number[] = [];
    for (const file of readdirSync(this.dir)) {
      // Left by a compaction or an index write that a crash interrupted: the originals still stand.
      if (file.endsWith('.cleaned') || file.endsWith('.tmp')) unlinkSync(join(this.dir, file));
      else if (/^\d+\.log$/.test(file)) bases.push(Number(file.slice(0, -4)));
    }
    bases.sort((a, b) => a - b);
    const segments: Segment[] = [];
    for (const [i, base] of bases.entries()) {
      const segment = this.open(base, i === bases.length - 1);
      const previous = segments.at(-1);
      // A compaction crashed after its output replaced the first of its segments: the others it
      // merged are still there, and all their kept records are in the output already.
      if (previous !== undefined && base < previous.next) {
        this.remove(segment);
        continue;
      }
      segments.push(segment);
    }
    return segments;
  }

  private open(base: number, active: boolean): Segment {
    const path = this.logPath(base);
    const bytes = new FileBytes(path, statSync(path).size);
    if (!active) {
      const summarised = this.readIndex(base, bytes);
      if (summarised) return summarised;
    }
    const segment = new Segment(base, bytes);
    segment.rebuild();
    if (!active) this.seal(segment);
    return segment;
  }

  private readIndex(base: number, bytes: FileBytes): Segment | null {
    const path = this.indexPath(base);
    if (!existsSync(path)) return null;
    const decoded = decodeIndexFile(readFileSync(path));
    if (decoded === null || decoded.summary.base !== base || decoded.summary.size !== bytes.size) return null;
    return Segment.summarised(bytes, decoded.summary, decoded.index);
  }

  create(base: number): Segment {
    mkdirSync(this.dir, { recursive: true });
    const path = this.logPath(base);
    writeFileSync(path, Buffer.alloc(0));
    return new Segment(base, new FileBytes(path, 0));
  }

  seal(segment: Segment): void {
    segment.bytes.seal();
    const path = this.indexPath(segment.base);
    writeFileSync(`${path}.tmp`, encodeIndexFile(segment.summary(), segment.indexEntries));
    renameSync(`${path}.tmp`, path);
  }

  remove(segment: Segment): void {
    segment.bytes.remove();
    unlinkIfThere(this.indexPath(segment.base));
  }

  replace(replaced: Segment[], frames: Buffer): Segment | null {
    const base = replaced[0].base;
    for (const s of replaced) s.bytes.close();
    let result: Segment | null = null;
    if (frames.length === 0) {
      this.remove(replaced[0]);
    } else {
      // Written aside, then renamed over the first segment: a crash leaves either the old segment
      // or the whole new one. Its old summary goes first so it can never describe the new file.
      const path = this.logPath(base);
      writeFileSync(`${path}.cleaned`, frames);
      unlinkIfThere(this.indexPath(base));
      renameSync(`${path}.cleaned`, path);
      result = Segment.holding(base, new FileBytes(path, frames.length), frames);
      this.seal(result);
    }
    for (const s of replaced.slice(1)) this.remove(s);
    return result;
  }

  close(segments: readonly Segment[]): void {
    for (const s of segments) s.bytes.close();
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
