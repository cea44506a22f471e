/**
 * Where a partition keeps its segments: a directory of `<base offset>.log` files, each sealed one
 * with a `<base offset>.index` summary beside it, or memory when the log has no data directory.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { frameMemory } from './frame-memory.js';
import { FrameSegment } from './frame-segment.js';
import { makeDirectory } from './make-directory.js';
import { MemoryBytes } from './memory-bytes.js';
import { type KeepRecord, type Segment, stepThroughBytes } from './segment.js';
import { SegmentFile } from './segment-file.js';
import { frameIsTombstone, frameKey, frameOffset, frameTimestamp } from './segment-frames.js';
import { decodeIndexFile, encodeIndexFile } from './segment-index.js';
import type { LogRecord } from './types.js';

export interface SegmentStorage {
  /**
   * Appending leaves the records' keys and values views of their stored frames: holding the records
   * decoded takes no copy of their bytes.
   */
  readonly appendLeavesViews: boolean;
  /**
   * How many of the newest records a partition holds decoded: enough for a consumer a few batches
   * behind; one further behind reads the segments back.
   */
  readonly recentRecords: number;
  /** The stored segments in offset order (none for a new partition). */
  load(): Segment[];
  create(base: number): Segment;
  /** Appends `records[from, to)` (offsets given; `sizes[i]` is record i's frame size) to the active segment. */
  append(segment: Segment, records: LogRecord[], sizes: readonly number[], from: number, to: number): void;
  /** The segment takes no more appends. */
  seal(segment: Segment): void;
  remove(segment: Segment): void;
  /**
   * Compaction, before `rewrite`: where the kept frames of `group` are written a part at a time, so
   * that no step of a pass writes a whole segment (16 MiB in one write held the event loop 17–26 ms);
   * null when `rewrite` takes the frames as they are (memory).
   */
  stage(group: readonly Segment[]): StagedFrames | null;
  /**
   * Compaction: `frames`, the frames of `group` (consecutive sealed segments) it keeps (keptFrames;
   * null: none), take the group's place as one sealed segment based at the first one's base, or as
   * none. `bytes`: the kept frames' size as counted before they were gathered. `staged`: what `stage`
   * gave for the group, the whole of `frames` written to it.
   */
  rewrite(group: readonly Segment[], frames: Buffer | null, bytes: number, staged: StagedFrames | null): Segment | null;
  close(segments: readonly Segment[]): void;
}

/** Where a rewrite's frames are written before they take their group's place (SegmentStorage.stage). */
export interface StagedFrames {
  /** Writes `frames[from, to)` after what was written before. */
  write(frames: Buffer, from: number, to: number): void;
  /** Every frame is written: ready to take the group's place. */
  close(): void;
  /** Gives up what was written (the partition let go of the group, or closed, first). */
  discard(): void;
}

/** A rewrite's frames written beside the first segment of its group, as `<base>.log.cleaned`. */
class StagedFile implements StagedFrames {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(frames: Buffer, from: number, to: number): void {
    if (this.fd === null) throw new Error(`${this.path} is no longer staged`);
    for (let at = from; at < to; ) at += writeSync(this.fd, frames, at, to - at);
  }

  /** The file is whole, to be renamed into place. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  discard(): void {
    this.close();
    unlinkIfThere(this.path);
  }
}

function frameSegment(segment: Segment): FrameSegment {
  if (!(segment instanceof FrameSegment)) throw new TypeError(`segment ${segment.base} holds no frames`);
  return segment;
}

function appendFrames(segment: Segment, records: LogRecord[], sizes: readonly number[], from: number, to: number): void {
  frameSegment(segment).append(records, sizes, from, to, Number(records[from].offset));
}

/**
 * The frames of `group` that `keep` accepts (`bytes` at most), or null when it accepts none: gathered
 * a step at a time, each reading at most `stepBytes` of frames (a group is up to a segment's 16 MiB,
 * whose copy in one go held the event loop 15–130 ms). Ends with undefined when `held` says, before a
 * step or after the last, that the partition let go of the group meanwhile.
 */
export function* keptFrames(
  group: readonly Segment[],
  keep: KeepRecord,
  bytes: number,
  stepBytes: number,
  held: () => boolean,
): Generator<void, Buffer | null | undefined> {
  const frames = frameMemory.take(bytes);
  let filled = 0;
  const copyKept = (buf: Buffer, at: number, length: number): undefined => {
    if (keep(frameKey(buf, at), frameOffset(buf, at), frameTimestamp(buf, at), frameIsTombstone(buf, at))) {
      filled += buf.copy(frames, filled, at, at + length);
    }
    return undefined;
  };
  for (const segment of group) {
    const source = frameSegment(segment);
    if (!(yield* stepThroughBytes(source.size, held, (from) => source.forEachFrame(copyKept, from, stepBytes)))) return undefined;
  }
  return filled === 0 ? null : frames.subarray(0, filled);
}

/** Segments whose frames are held in memory, for a log without a data directory. */
export class MemorySegments implements SegmentStorage {
  readonly appendLeavesViews = true;
  /**
   * Reading back is a decode from memory, and every record held decoded is objects the collector
   * marks: 8,192 per partition (as files) were ~0.7 million objects after the bench's pipeline.
   */
  readonly recentRecords = 1024;

  load(): Segment[] {
    return [];
  }

  create(base: number): Segment {
    return new FrameSegment(base, new MemoryBytes());
  }

  append(segment: Segment, records: LogRecord[], sizes: readonly number[], from: number, to: number): void {
    appendFrames(segment, records, sizes, from, to);
  }

  seal(segment: Segment): void {
    frameSegment(segment).bytes.seal();
  }

  remove(segment: Segment): void {
    frameSegment(segment).bytes.remove();
  }

  stage(): null {
    return null;
  }

  rewrite(group: readonly Segment[], kept: Buffer | null, bytes: number): Segment | null {
    // the group's frames are the log's no longer (readers may still hold views of them)
    for (const s of group) frameSegment(s).bytes.close();
    if (kept === null) return null;
    // held at exactly their size: what the compaction dropped is given back
    const frames = kept.length === bytes ? kept : exactCopy(kept);
    return FrameSegment.holding(group[0].base, MemoryBytes.holding(frames), frames);
  }

  close(segments: readonly Segment[]): void {
    for (const s of segments) frameSegment(s).bytes.close();
  }
}

/** `frames` in a chunk of their own size. */
function exactCopy(frames: Buffer): Buffer {
  const copy = frameMemory.take(frames.length);
  frames.copy(copy);
  return copy;
}

const NAME_DIGITS = 20;

function baseName(base: number): string {
  return String(base).padStart(NAME_DIGITS, '0');
}

export class FileSegments implements SegmentStorage {
  readonly appendLeavesViews = false;
  /** Reading back is a read from the file. */
  readonly recentRecords = 8192;

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
    const segments: FrameSegment[] = [];
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

  private open(base: number, active: boolean): FrameSegment {
    const path = this.logPath(base);
    const file = new SegmentFile(path, statSync(path).size);
    if (!active) {
      const summarised = this.readIndex(base, file);
      if (summarised) return summarised;
    }
    const segment = new FrameSegment(base, file);
    segment.rebuild();
    if (!active) this.seal(segment);
    return segment;
  }

  private readIndex(base: number, file: SegmentFile): FrameSegment | null {
    const path = this.indexPath(base);
    if (!existsSync(path)) return null;
    const decoded = decodeIndexFile(readFileSync(path));
    if (decoded === null || decoded.summary.base !== base || decoded.summary.size !== file.size) return null;
    return FrameSegment.summarised(file, decoded.summary, decoded.index);
  }

  create(base: number): Segment {
    makeDirectory(this.dir);
    const path = this.logPath(base);
    writeFileSync(path, Buffer.alloc(0));
    return new FrameSegment(base, new SegmentFile(path, 0));
  }

  append(segment: Segment, records: LogRecord[], sizes: readonly number[], from: number, to: number): void {
    appendFrames(segment, records, sizes, from, to);
  }

  seal(segment: Segment): void {
    const frames = frameSegment(segment);
    frames.bytes.seal();
    const path = this.indexPath(segment.base);
    writeFileSync(`${path}.tmp`, encodeIndexFile(frames.summary(), frames.indexEntries));
    renameSync(`${path}.tmp`, path);
  }

  remove(segment: Segment): void {
    frameSegment(segment).bytes.remove();
    unlinkIfThere(this.indexPath(segment.base));
  }

  stage(group: readonly Segment[]): StagedFile {
    return new StagedFile(`${this.logPath(group[0].base)}.cleaned`);
  }

  rewrite(group: readonly Segment[], frames: Buffer | null, _bytes: number, staged: StagedFrames | null): Segment | null {
    if (frames !== null && staged === null)
      throw new Error(`segment ${group[0].base}: a rewrite under a data directory writes its frames through stage()`);
    const base = group[0].base;
    for (const s of group) frameSegment(s).bytes.close();
    let result: FrameSegment | null = null;
    if (frames === null) {
      staged?.discard();
      this.remove(group[0]);
    } else {
      // Written aside, then renamed over the first segment: a crash leaves either the old segment
      // or the whole new one. Its old summary goes first so it can never describe the new file.
      const path = this.logPath(base);
      staged?.close();
      unlinkIfThere(this.indexPath(base));
      renameSync(`${path}.cleaned`, path);
      result = FrameSegment.holding(base, new SegmentFile(path, frames.length), frames);
      this.seal(result);
    }
    for (const s of group.slice(1)) this.remove(s);
    return result;
  }

  close(segments: readonly Segment[]): void {
    for (const s of segments) frameSegment(s).bytes.close();
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
