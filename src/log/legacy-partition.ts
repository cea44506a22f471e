/**
 * Partitions written before the log had segments: one file `<partition>.log` of frames without
 * offsets (u32 body length | f64 timestamp | i32 key length | key | i32 value length | value |
 * u32 headers length | headers JSON), the n-th frame at offset n. Opening such a data directory
 * rewrites each one into segments, once: into a staging directory that is renamed into place, so a
 * crash midway leaves the old file to migrate again.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { PartitionLog } from './partition-log.js';
import type { PartitionPolicy } from './retention.js';
import { decodeFrameBody } from './segment-frames.js';
import { FileSegments } from './segment-storage.js';
import type { LogRecord, TopicPartition } from './types.js';

const READ_BYTES = 1024 * 1024;
const BATCH_RECORDS = 1000;

/** A frame of the old single-file format: the shared fields without an offset of its own (the file's order gives it). */
function decodeLegacyFrame(buf: Buffer, at: number, tp: TopicPartition): LogRecord {
  return decodeFrameBody(buf, at + 4, tp, '');
}

/** Every whole frame of the file, in batches; a torn frame at the end (a crash mid-write) is left out. */
function readLegacyFile(path: string, tp: TopicPartition, onBatch: (records: LogRecord[]) => void): void {
  const fd = openSync(path, 'r');
  try {
    let carry = Buffer.alloc(0);
    let batch: LogRecord[] = [];
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(READ_BYTES, carry.length * 2));
      carry.copy(chunk);
      const read = readSync(fd, chunk, carry.length, chunk.length - carry.length, null);
      const buf = chunk.subarray(0, carry.length + read);
      let at = 0;
      while (at + 4 <= buf.length && at + 4 + buf.readUInt32BE(at) <= buf.length) {
        batch.push(decodeLegacyFrame(buf, at, tp));
        at += 4 + buf.readUInt32BE(at);
        if (batch.length === BATCH_RECORDS) {
          onBatch(batch);
          batch = [];
        }
      }
      carry = Buffer.from(buf.subarray(at));
      if (read === 0) break;
    }
    if (batch.length > 0) onBatch(batch);
  } finally {
    closeSync(fd);
  }
}

/** Turns `legacyFile`, if there is one, into the segment directory `dir`. */
export function migrateLegacyPartition(legacyFile: string, dir: string, tp: TopicPartition, policy: PartitionPolicy): void {
  if (!existsSync(legacyFile)) return;
  if (!existsSync(dir)) {
    const staging = `${dir}.migrating`;
    rmSync(staging, { recursive: true, force: true });
    const partition = new PartitionLog(tp, new FileSegments(staging), policy);
    try {
      readLegacyFile(legacyFile, tp, (records) => partition.append(records));
    } finally {
      partition.close();
    }
    renameSync(staging, dir);
  }
  unlinkSync(legacyFile);
}
