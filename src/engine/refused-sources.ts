import { parseTpKey, tpKey } from '../log/topic-partition.js';
import type { LogRecord, OutgoingRecord, TopicPartition } from '../log/types.js';

const REFUSAL_KEY_PREFIX = 'refused:';

/** One changelog record: refused offsets of one input partition from one batch, as [from, to) ranges. */
interface RefusalMarker {
  source: string;
  ranges: Array<[string, string]>;
}

type Range = [bigint, bigint];

/**
 * Input records refused while their own record time was ahead of the wall clock (see judgeTime in
 * pipeline.ts): the only records a later replay could judge differently, so the refusal itself is
 * kept in the changelog and replay skips them.
 *
 * A flood of such records costs one changelog record per input batch that held any (the dead
 * letters already cost one record each), and in memory a list of offset ranges per partition, where
 * a run of consecutive refusals is one range. Markers whose records retention has removed from the
 * input topic can never be replayed: `expire` drops them and returns changelog tombstones, so the
 * markers kept are bounded by the input log that is kept.
 */
export class RefusedSources {
  /** tpKey ("topic/partition") → sorted, disjoint, non-adjacent [from, to) ranges. */
  private readonly ranges = new Map<string, Range[]>();
  /** Changelog key → the partition and end offset its marker covers, to tombstone it later. */
  private readonly markers = new Map<string, { source: string; end: bigint }>();

  covers(record: LogRecord): boolean {
    const list = this.ranges.get(tpKey(record));
    if (list === undefined) return false;
    const offset = BigInt(record.offset);
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [from, to] = list[mid];
      if (offset < from) hi = mid - 1;
      else if (offset >= to) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Remembers the refusals of one batch and returns the changelog record that makes them durable. */
  refuse(tp: TopicPartition, offsets: string[], changelogTopic: string): OutgoingRecord {
    const source = tpKey(tp);
    const ranges = toRanges(offsets.map((o) => BigInt(o)));
    this.addRanges(source, ranges);
    const key = markerKey(source, ranges);
    this.markers.set(key, { source, end: ranges[ranges.length - 1][1] });
    const marker: RefusalMarker = { source, ranges: ranges.map(([from, to]) => [String(from), String(to)]) };
    return { topic: changelogTopic, key, value: Buffer.from(JSON.stringify(marker)) };
  }

  /** Reads a refusal marker (or its tombstone) of the changelog; ignores other keys. */
  load(record: LogRecord): void {
    const key = record.key?.toString('utf8') ?? '';
    if (!key.startsWith(REFUSAL_KEY_PREFIX)) return;
    if (record.value === null) {
      this.markers.delete(key);
      return;
    }
    const marker = JSON.parse(record.value.toString('utf8')) as RefusalMarker;
    const ranges: Range[] = marker.ranges.map(([from, to]) => [BigInt(from), BigInt(to)]);
    if (ranges.length === 0) return;
    this.addRanges(marker.source, ranges);
    this.markers.set(key, { source: marker.source, end: ranges[ranges.length - 1][1] });
  }

  /** Forgets refusals below `low`, the partition's earliest offset; returns tombstones for their markers. */
  expire(tp: TopicPartition, low: string, changelogTopic: string): OutgoingRecord[] {
    const source = tpKey(tp);
    const start = BigInt(low);
    const list = this.ranges.get(source);
    if (list !== undefined) {
      const kept = list.filter(([, to]) => to > start).map(([from, to]): Range => [from < start ? start : from, to]);
      if (kept.length > 0) this.ranges.set(source, kept);
      else this.ranges.delete(source);
    }
    const tombstones: OutgoingRecord[] = [];
    for (const [key, m] of this.markers) {
      if (m.source !== source || m.end > start) continue;
      this.markers.delete(key);
      tombstones.push({ topic: changelogTopic, key, value: null });
    }
    return tombstones;
  }

  /** Input partitions with refusals remembered. */
  sources(): TopicPartition[] {
    return [...this.ranges.keys()].map(parseTpKey);
  }

  get size(): number {
    let n = 0;
    for (const list of this.ranges.values()) for (const [from, to] of list) n += Number(to - from);
    return n;
  }

  private addRanges(source: string, ranges: Range[]): void {
    let list = this.ranges.get(source);
    if (list === undefined) this.ranges.set(source, (list = []));
    for (const range of ranges) insert(list, range);
  }
}

/**
 * Inserts [from, to) into sorted, disjoint ranges, joining the ones it touches. Live batches append at
 * the end; markers read back from the changelog mostly fall inside a range already there.
 */
function insert(list: Range[], [from, to]: Range): void {
  // First range that ends at or after `from`: the only ones the new range can touch start there.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid][1] < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  let start = from;
  let stop = to;
  while (end < list.length && list[end][0] <= stop) {
    if (list[end][0] < start) start = list[end][0];
    if (list[end][1] > stop) stop = list[end][1];
    end++;
  }
  if (end === lo + 1 && list[lo][0] === start && list[lo][1] === stop) return;
  list.splice(lo, end - lo, [start, stop]);
}

function markerKey(source: string, ranges: Range[]): string {
  return `${REFUSAL_KEY_PREFIX}${source}/${ranges[0][0]}-${ranges[ranges.length - 1][1]}`;
}

/** Offsets → sorted [from, to) ranges, consecutive offsets joined. */
function toRanges(offsets: bigint[]): Range[] {
  const out: Range[] = [];
  for (const o of offsets) insert(out, [o, o + 1n]);
  return out;
}
