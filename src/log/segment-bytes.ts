/**
 * Where a segment's frames live: a file under the data directory, or a buffer when the log runs
 * without one. Writes are synchronous, so a produce has reached the operating system (survives a
 * process crash; no fsync, so not a power cut) before its promise resolves.
 */
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

export interface SegmentBytes {
  readonly size: number;
  append(data: Buffer): void;
  /** Up to `length` bytes from `position`; fewer at the end. May be a view: copy what you keep. */
  read(position: number, length: number): Buffer;
  /** Drops everything from `size` on (a torn frame at the end). */
  truncate(size: number): void;
  /** No more appends: release what only writing needed. */
  seal(): void;
  /** Gone for good. */
  remove(): void;
  close(): void;
}

const CHUNK_BYTES = 65_536;

/**
 * A list of chunks, each holding whole frames. Appends are copied (the caller reuses its buffer):
 * into the open chunk, or into a chunk of their own when larger than half a chunk.
 */
export class MemoryBytes implements SegmentBytes {
  private chunks: Buffer[] = [];
  private starts: number[] = [];
  private open: Buffer | null = null;
  private used = 0;

  constructor(initial: Buffer | null = null) {
    if (initial !== null && initial.length > 0) this.append(initial);
  }

  get size(): number {
    return this.used;
  }

  append(data: Buffer): void {
    if (data.length > CHUNK_BYTES / 2) {
      this.closeOpen();
      const own = Buffer.allocUnsafeSlow(data.length);
      data.copy(own);
      this.chunks.push(own);
      this.starts.push(this.used);
    } else {
      const last = this.chunks.length - 1;
      if (this.open === null || this.chunks[last].length + data.length > this.open.length) {
        this.closeOpen();
        this.open = Buffer.allocUnsafeSlow(CHUNK_BYTES);
        this.chunks.push(this.open.subarray(0, 0));
        this.starts.push(this.used);
      }
      const at = this.chunks.length - 1;
      const fill = this.chunks[at].length;
      data.copy(this.open, fill);
      this.chunks[at] = this.open.subarray(0, fill + data.length);
    }
    this.used += data.length;
  }

  /** The open chunk takes no more frames: it gives back what it did not fill. */
  private closeOpen(): void {
    if (this.open === null) return;
    const last = this.chunks.length - 1;
    const filled = this.chunks[last];
    if (filled.length * 4 < this.open.length * 3) {
      const exact = Buffer.allocUnsafeSlow(filled.length);
      filled.copy(exact);
      this.chunks[last] = exact;
    }
    this.open = null;
  }

  /** Never crosses a chunk's end; chunks hold whole frames, so neither does a frame. */
  read(position: number, length: number): Buffer {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    const chunk = this.chunks[lo];
    if (chunk === undefined) return Buffer.alloc(0);
    const at = position - this.starts[lo];
    return chunk.subarray(at, Math.min(chunk.length, at + length));
  }

  truncate(size: number): void {
    while (this.chunks.length > 0 && this.starts[this.chunks.length - 1] >= size) {
      this.chunks.pop();
      this.starts.pop();
      this.open = null;
    }
    const last = this.chunks.length - 1;
    if (last >= 0) this.chunks[last] = this.chunks[last].subarray(0, size - this.starts[last]);
    this.used = Math.min(this.used, size);
  }

  seal(): void {
    this.closeOpen();
  }

  remove(): void {
    this.chunks = [];
    this.starts = [];
    this.open = null;
    this.used = 0;
  }

  close(): void {}
}

/** A segment file, opened on first use; a sealed one is reopened only when read. */
export class FileBytes implements SegmentBytes {
  private fd: number | null = null;

  constructor(
    readonly path: string,
    private bytes: number,
  ) {}

  get size(): number {
    return this.bytes;
  }

  private handle(): number {
    this.fd ??= openSync(this.path, 'a+');
    return this.fd;
  }

  append(data: Buffer): void {
    const fd = this.handle();
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } catch (err) {
      // A half-written batch must not stay in front of the next one.
      ftruncateSync(fd, this.bytes);
      throw err;
    }
    this.bytes += data.length;
  }

  read(position: number, length: number): Buffer {
    const wanted = Math.max(0, Math.min(length, this.bytes - position));
    const buf = Buffer.allocUnsafe(wanted);
    let got = 0;
    while (got < wanted) {
      const n = readSync(this.handle(), buf, got, wanted - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === wanted ? buf : buf.subarray(0, got);
  }

  truncate(size: number): void {
    if (size >= this.bytes) return;
    ftruncateSync(this.handle(), size);
    this.bytes = size;
  }

  seal(): void {
    this.close();
  }

  remove(): void {
    this.close();
    unlinkSync(this.path);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
