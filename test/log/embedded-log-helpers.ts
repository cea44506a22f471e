/** What the embedded log's retention, compaction and restart tests share. */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { MemoryLog, type MemoryLogOptions } from '../../src/log/memory.js';
import type { LogRecord, TopicPartition } from '../../src/log/types.js';

/** Opens logs and temporary data directories that are closed and removed after each test. */
export function embeddedLogs(): { open(options: MemoryLogOptions): MemoryLog; tempDir(): string } {
  const dirs: string[] = [];
  const logs: MemoryLog[] = [];
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((l) => l.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    open(options) {
      const log = new MemoryLog(options);
      logs.push(log);
      return log;
    },
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), 'recstream-log-'));
      dirs.push(dir);
      return dir;
    },
  };
}

/** Every record readRange hands over from `from` to the high watermark. */
export async function readAll(log: MemoryLog, tp: TopicPartition, from = '0'): Promise<LogRecord[]> {
  const { high } = await log.offsets(tp);
  const out: LogRecord[] = [];
  await log.readRange(tp, from, high, (records) => {
    out.push(...records);
  });
  return out;
}

/** Bytes of every file under `dir`, and of the ones whose name ends with `suffix`. */
export function bytesUnder(dir: string, suffix = ''): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Segment files of a partition under a data directory. */
export function segmentFiles(dataDir: string, topic: string, partition: number): string[] {
  return readdirSync(join(dataDir, 'topics', encodeURIComponent(topic), String(partition))).filter((f) => f.endsWith('.log'));
}

export function values(records: LogRecord[]): string[] {
  return records.map((r) => (r.value === null ? '<null>' : r.value.toString()));
}

export function offsets(records: LogRecord[]): number[] {
  return records.map((r) => Number(r.offset));
}
