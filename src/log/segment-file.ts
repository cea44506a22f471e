/**
 * A segment file's bytes. Writes are synchronous, so a produce has reached the operating system
 * (survives a process crash; no fsync, so not a power cut) before its promise resolves.
 */
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import type { SegmentBytes } from './segment-bytes.js';
import { encodeFrames } from './segment-frames.js';
import type { LogRecord } from './types.js';

/**
 * The buffer every read of a segment file goes through (a frame's reader copies what it keeps).
 * Compaction scans every segment of a compacted partition each pass, and a consumer behind reads
 * back: as buffers of their own, as many bytes of garbage as they read (~1.1 GB over a million events
 * of the endless-stream test), waiting in V8's external memory for a collection.
 */
const READ_BUFFER_KEPT_BYTES = 1024 * 1024;
let readBuffer = Buffer.allocUnsafeSlow(65_536);

function readRoom(size: number): Buffer {
  if (size <= readBuffer.length) return readBuffer;
  if (size > READ_BUFFER_KEPT_BYTES) return Buffer.allocUnsafeSlow(size);
  readBuffer = Buffer.allocUnsafeSlow(size);
  return readBuffer;
}

/** A segment file, opened on first use; a sealed one is reopened only when read. */
export class SegmentFile implements SegmentBytes {
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

  appendFrames(records: LogRecord[], sizes: readonly number[], from: number, to: number, firstOffset: number): void {
    this.append(encodeFrames(records, from, to, firstOffset, sizes));
  }

  private append(data: Buffer): void {
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

  /** Up to `length` bytes from `position`, fewer at the end; good until the next read of any file. */
  read(position: number, length: number): Buffer {
    const wanted = Math.max(0, Math.min(length, this.bytes - position));
    const buf = readRoom(wanted);
    let got = 0;
    while (got < wanted) {
      const n = readSync(this.handle(), buf, got, wanted - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  /** Drops everything from `size` on (a torn frame at the end). */
  truncate(size: number): void {
    if (size >= this.bytes) return;
    ftruncateSync(this.handle(), size);
    this.bytes = size;
  }

  /** No more appends: the file is reopened only when read. */
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
