/**
 * Optional durability for the embedded log under a data directory: the topics (`topics.json`), each
 * partition's segments (`topics/<topic>/<partition>/`, see segment-storage.ts) and one commit journal
 * per consumer group. Writes are synchronous so a produce or commit has reached the operating system
 * (survives a process crash; no fsync, so not a power cut) before its promise resolves.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { migrateLegacyPartition } from './legacy-partition.js';
import { makeDirectory } from './make-directory.js';
import type { PartitionPolicy } from './retention.js';
import { FileSegments } from './segment-storage.js';
import { tpKey } from './topic-partition.js';

/** Commit journals are rewritten with only the latest offsets once they grow past this many lines. */
export const JOURNAL_COMPACT_LINES = 10_000;

function atomicWrite(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Where a topic's partitions live under a data directory. */
function topicDir(dir: string, topic: string): string {
  return join(dir, 'topics', encodeURIComponent(topic));
}

/** Bytes of a topic's files (segments and their indexes) under a data directory: 0 when it has none. */
export function topicBytesOnDisk(dir: string, topic: string): number {
  return bytesOnDisk(topicDir(dir, topic));
}

/** Bytes of every file under `dir` (0 when it does not exist). */
export function bytesOnDisk(dir: string): number {
  if (!existsSync(dir)) return 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}

export interface StoredTopic {
  partitions: number;
  compacted: boolean;
}

export interface CommitEntry {
  topic: string;
  partition: number;
  offset: number;
}

export class LogStore {
  private readonly journals = new Map<string, { fd: number; lines: number; latest: Map<string, CommitEntry> }>();

  constructor(private readonly dir: string) {
    makeDirectory(join(dir, 'topics'));
    makeDirectory(join(dir, 'groups'));
  }

  private get topicsFile(): string {
    return join(this.dir, 'topics.json');
  }

  private partitionDir(topic: string, partition: number): string {
    return join(topicDir(this.dir, topic), String(partition));
  }

  private journalPath(group: string): string {
    return join(this.dir, 'groups', `${encodeURIComponent(group)}.offsets`);
  }

  /** The topics; files from before compacted topics were recorded list only partition counts. */
  loadTopics(): Map<string, StoredTopic> {
    if (!existsSync(this.topicsFile)) return new Map();
    const parsed = JSON.parse(readFileSync(this.topicsFile, 'utf8')) as Record<string, number | StoredTopic>;
    return new Map(Object.entries(parsed).map(([topic, t]) => [topic, typeof t === 'number' ? { partitions: t, compacted: false } : t]));
  }

  saveTopics(topics: Map<string, StoredTopic>): void {
    atomicWrite(this.topicsFile, JSON.stringify(Object.fromEntries(topics)));
  }

  /** Where a partition keeps its segments; a partition in the single-file format is migrated first. */
  segments(topic: string, partition: number, policy: PartitionPolicy): FileSegments {
    const dir = this.partitionDir(topic, partition);
    migrateLegacyPartition(`${dir}.log`, dir, { topic, partition }, policy);
    return new FileSegments(dir);
  }

  /** All groups' committed offsets, last write wins. */
  loadCommits(): Map<string, CommitEntry[]> {
    const groups = new Map<string, CommitEntry[]>();
    for (const file of readdirSync(join(this.dir, 'groups'))) {
      if (!file.endsWith('.offsets')) continue;
      const group = decodeURIComponent(file.slice(0, -'.offsets'.length));
      groups.set(group, [...this.readJournal(group).values()]);
    }
    return groups;
  }

  private readJournal(group: string): Map<string, CommitEntry> {
    const latest = new Map<string, CommitEntry>();
    const path = this.journalPath(group);
    if (!existsSync(path)) return latest;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as CommitEntry;
        latest.set(tpKey(e), e);
      } catch {
        // A torn last line from a crash mid-write: the previous commit for that partition stands.
      }
    }
    return latest;
  }

  commit(group: string, entries: CommitEntry[]): void {
    let journal = this.journals.get(group);
    if (!journal) {
      const latest = this.readJournal(group);
      // Rewriting on open also drops a torn last line, so new entries never append to a broken one.
      atomicWrite(this.journalPath(group), [...latest.values()].map((e) => `${JSON.stringify(e)}\n`).join(''));
      journal = { fd: openSync(this.journalPath(group), 'a'), lines: latest.size, latest };
      this.journals.set(group, journal);
    }
    for (const e of entries) journal.latest.set(tpKey(e), e);
    writeSync(journal.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    journal.lines += entries.length;
    if (journal.lines > JOURNAL_COMPACT_LINES) {
      closeSync(journal.fd);
      const all = [...journal.latest.values()];
      atomicWrite(this.journalPath(group), all.map((e) => `${JSON.stringify(e)}\n`).join(''));
      journal.fd = openSync(this.journalPath(group), 'a');
      journal.lines = all.length;
    }
  }

  close(): void {
    for (const j of this.journals.values()) closeSync(j.fd);
    this.journals.clear();
  }
}
