/**
 * Optional durability for the embedded log: one append-only file per partition and one commit
 * journal per consumer group under a data directory. Writes are synchronous so a produce or commit
 * has reached the operating system (survives a process crash; no fsync, so not a power cut) before
 * its promise resolves.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { tpKey } from './topic-partition.js';
import type { Headers } from './types.js';

export interface StoredRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
}

/** Commit journals are rewritten with only the latest offsets once they grow past this many lines. */
const JOURNAL_COMPACT_LINES = 10_000;

function encodeRecord(r: StoredRecord): Buffer {
  const headers = Object.keys(r.headers).length > 0 ? Buffer.from(JSON.stringify(r.headers), 'utf8') : Buffer.alloc(0);
  const keyLen = r.key ? r.key.length : -1;
  const valueLen = r.value ? r.value.length : -1;
  const body = 8 + 4 + Math.max(keyLen, 0) + 4 + Math.max(valueLen, 0) + 4 + headers.length;
  const buf = Buffer.allocUnsafe(4 + body);
  let at = buf.writeUInt32BE(body, 0);
  at = buf.writeDoubleBE(r.timestamp, at);
  at = buf.writeInt32BE(keyLen, at);
  if (r.key) at += r.key.copy(buf, at);
  at = buf.writeInt32BE(valueLen, at);
  if (r.value) at += r.value.copy(buf, at);
  at = buf.writeUInt32BE(headers.length, at);
  headers.copy(buf, at);
  return buf;
}

/** Decodes whole frames; returns where the last complete one ends so a torn tail can be cut off. */
function decodeRecords(data: Buffer): { records: StoredRecord[]; validBytes: number } {
  const records: StoredRecord[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const body = data.readUInt32BE(at);
    if (at + 4 + body > data.length) break;
    let p = at + 4;
    const timestamp = data.readDoubleBE(p);
    p += 8;
    const keyLen = data.readInt32BE(p);
    p += 4;
    const key = keyLen >= 0 ? Buffer.from(data.subarray(p, p + keyLen)) : null;
    p += Math.max(keyLen, 0);
    const valueLen = data.readInt32BE(p);
    p += 4;
    const value = valueLen >= 0 ? Buffer.from(data.subarray(p, p + valueLen)) : null;
    p += Math.max(valueLen, 0);
    const headersLen = data.readUInt32BE(p);
    p += 4;
    const headers = headersLen > 0 ? (JSON.parse(data.toString('utf8', p, p + headersLen)) as Headers) : {};
    records.push({ key, value, headers, timestamp });
    at += 4 + body;
  }
  return { records, validBytes: at };
}

function atomicWrite(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export interface CommitEntry {
  topic: string;
  partition: number;
  offset: number;
}

export class LogStore {
  private readonly partitionFds = new Map<string, number>();
  private readonly journals = new Map<string, { fd: number; lines: number; latest: Map<string, CommitEntry> }>();

  constructor(private readonly dir: string) {
    mkdirSync(join(dir, 'topics'), { recursive: true });
    mkdirSync(join(dir, 'groups'), { recursive: true });
  }

  private get topicsFile(): string {
    return join(this.dir, 'topics.json');
  }

  private partitionPath(topic: string, partition: number): string {
    return join(this.dir, 'topics', encodeURIComponent(topic), `${partition}.log`);
  }

  private journalPath(group: string): string {
    return join(this.dir, 'groups', `${encodeURIComponent(group)}.offsets`);
  }

  loadTopics(): Map<string, number> {
    if (!existsSync(this.topicsFile)) return new Map();
    const parsed = JSON.parse(readFileSync(this.topicsFile, 'utf8')) as Record<string, number>;
    return new Map(Object.entries(parsed));
  }

  saveTopics(topics: Map<string, number>): void {
    atomicWrite(this.topicsFile, JSON.stringify(Object.fromEntries(topics)));
  }

  loadPartition(topic: string, partition: number): StoredRecord[] {
    const path = this.partitionPath(topic, partition);
    if (!existsSync(path)) return [];
    const data = readFileSync(path);
    const { records, validBytes } = decodeRecords(data);
    if (validBytes < data.length) {
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, validBytes);
      closeSync(fd);
    }
    return records;
  }

  append(topic: string, partition: number, records: StoredRecord[]): void {
    if (records.length === 0) return;
    const id = tpKey({ topic, partition });
    let fd = this.partitionFds.get(id);
    if (fd === undefined) {
      mkdirSync(join(this.dir, 'topics', encodeURIComponent(topic)), { recursive: true });
      fd = openSync(this.partitionPath(topic, partition), 'a');
      this.partitionFds.set(id, fd);
    }
    const buf = records.length === 1 ? encodeRecord(records[0]) : Buffer.concat(records.map(encodeRecord));
    writeSync(fd, buf);
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
    for (const fd of this.partitionFds.values()) closeSync(fd);
    for (const j of this.journals.values()) closeSync(j.fd);
    this.partitionFds.clear();
    this.journals.clear();
  }
}
