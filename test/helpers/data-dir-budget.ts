/**
 * What an embedded log's data directory may hold, derived from its own topic records and the
 * retention policy, next to what it holds. Compacted topics are bounded by their keys, whatever their
 * names: the ones a deployment has are read from `topics.json`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_COMPACT_LINES } from '../../src/log/memory-store.js';
import { partitionPolicy, type RetentionLimits } from '../../src/log/retention.js';
import { frameIsTombstone, frameKey, frameLength } from '../../src/log/segment-frames.js';
import { INDEX_INTERVAL_BYTES } from '../../src/log/segment-index.js';

/** An index file: magic, version, six f64 summary fields, entry count; then (offset, position) f64 pairs. */
const INDEX_HEADER_BYTES = 4 + 4 + 6 * 8 + 4;
const INDEX_ENTRY_BYTES = 16;

export interface PartitionUsage {
  topic: string;
  partition: number;
  compacted: boolean;
  /** Bytes of its segment files and of their index files. */
  logBytes: number;
  indexBytes: number;
  segments: number;
  /** Compacted only: distinct keys in its frames, and the bytes of each key's newest frame together. */
  keys: number;
  liveBytes: number;
  /** What it may hold (segment files and index files together). */
  budget: number;
}

export interface DataDirUsage {
  total: number;
  partitions: PartitionUsage[];
  /** The commit journals (one per consumer group), and what they may hold. */
  journalBytes: number;
  journalBudget: number;
  /** Files besides: topics.json, the embedded registry's schemas. */
  otherBytes: number;
}

function filesUnder(dir: string): Array<{ path: string; size: number }> {
  const out: Array<{ path: string; size: number }> = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out; // removed while walking (retention, compaction)
  }
  for (const name of entries) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isDirectory()) out.push(...filesUnder(path));
      else out.push({ path, size: st.size });
    } catch {
      /* removed while walking */
    }
  }
  return out;
}

/** Bytes of every file under `dir`. */
export function bytesUnder(dir: string): number {
  return filesUnder(dir).reduce((sum, f) => sum + f.size, 0);
}

/** Distinct keys of a partition's segment files and the bytes of each one's newest frame (files in offset order). */
function liveKeys(logFiles: string[]): { keys: number; liveBytes: number } {
  const newest = new Map<string, number>();
  for (const file of logFiles) {
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch {
      continue;
    }
    for (let at = 0, length = frameLength(buf, 0); length > 0; at += length, length = frameLength(buf, at)) {
      const key = frameKey(buf, at);
      // keyless frames are never compacted away: each counts on its own
      if (key !== null || !frameIsTombstone(buf, at)) newest.set(key === null ? `#${at}@${file}` : key.toString('latin1'), length);
    }
  }
  let liveBytes = 0;
  for (const size of newest.values()) liveBytes += size;
  return { keys: newest.size, liveBytes };
}

/**
 * Index files of `segments` sealed segments holding `logBytes` of frames: one entry per
 * INDEX_INTERVAL_BYTES of frames and the first frame of each.
 */
function indexBudget(logBytes: number, segments: number): number {
  return segments * (INDEX_HEADER_BYTES + INDEX_ENTRY_BYTES) + Math.ceil(logBytes / INDEX_INTERVAL_BYTES) * INDEX_ENTRY_BYTES;
}

/**
 * Each partition's files against its budget, with S the segment size of `retention`:
 * - retained (delete policy): sealed segments are deleted oldest first while the partition holds more
 *   than R bytes, after every produce. Seen from another process between an append and that check it
 *   holds R plus the bytes of one produce to that partition; the engine's produces (a batch of at
 *   most MAX_BATCH events, its lists and item deltas) stay under one segment, so R + S.
 * - compacted: a pass leaves at most one frame per key in the sealed segments, its newest (L: those
 *   frames together, tombstones kept for their 24 h included); the next pass runs in steps beside the
 *   work, and a produce that leaves the sealed bytes above three times what the last pass left plus
 *   a segment compacts at once, so sealed ≤ 3·L + S plus one produce (each key at most once, its
 *   newest frame: ≤ L), and the active segment ≤ S: 4·L + 2·S.
 * Both plus the index files of their sealed segments.
 */
export function dataDirUsage(dataDir: string, retention: RetentionLimits): DataDirUsage {
  const policy = partitionPolicy(retention);
  const topics = JSON.parse(readFileSync(join(dataDir, 'topics.json'), 'utf8')) as Record<
    string,
    { partitions: number; compacted: boolean }
  >;
  const partitions: PartitionUsage[] = [];
  let inTopics = 0;
  for (const [topic, spec] of Object.entries(topics)) {
    for (let partition = 0; partition < spec.partitions; partition++) {
      const files = filesUnder(join(dataDir, 'topics', encodeURIComponent(topic), String(partition)));
      const logs = files.filter((f) => f.path.endsWith('.log'));
      const logBytes = logs.reduce((s, f) => s + f.size, 0);
      const indexBytes = files.filter((f) => !f.path.endsWith('.log')).reduce((s, f) => s + f.size, 0);
      inTopics += logBytes + indexBytes;
      const { keys, liveBytes } = spec.compacted ? liveKeys(logs.map((f) => f.path).sort()) : { keys: 0, liveBytes: 0 };
      const logBudget = spec.compacted
        ? 4 * liveBytes + 2 * policy.segmentBytes
        : (retention.bytes ?? Number.POSITIVE_INFINITY) + policy.segmentBytes;
      // neighbouring segments together exceed S (rolled once full, or merged by compaction while they fit)
      const segmentsBudget = 2 * Math.ceil(logBudget / policy.segmentBytes) + 1;
      partitions.push({
        topic,
        partition,
        compacted: spec.compacted,
        logBytes,
        indexBytes,
        segments: logs.length,
        keys,
        liveBytes,
        budget: logBudget + indexBudget(logBudget, segmentsBudget),
      });
    }
  }
  // A journal is rewritten with one line per partition once it passes JOURNAL_COMPACT_LINES lines;
  // one commit adds at most a line per partition.
  const partitionCount = partitions.length;
  let journalBytes = 0;
  let journalBudget = 0;
  for (const journal of filesUnder(join(dataDir, 'groups')).filter((f) => f.path.endsWith('.offsets'))) {
    journalBytes += journal.size;
    let longest = 0;
    try {
      for (const line of readFileSync(journal.path, 'utf8').split('\n')) longest = Math.max(longest, line.length + 1);
    } catch {
      /* rewritten while read */
    }
    journalBudget += (JOURNAL_COMPACT_LINES + partitionCount) * longest;
  }
  const total = bytesUnder(dataDir);
  return { total, partitions, journalBytes, journalBudget, otherBytes: total - inTopics - journalBytes };
}
