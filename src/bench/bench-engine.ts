import { BenchScrapeFailed } from './errors.js';
import type { Buckets } from './histogram.js';

/** One engine process as the bench measures it: in the bench's own process or in another. */
export interface BenchEngine {
  /** Its HTTP and WebSocket address, http://host:port. */
  readonly url: string;
  /** The AUTH_SECRET storefront tokens for it are signed with; null when subscriptions are open. */
  readonly authSecret: string | null;
  /** How often the bench may read its progress without loading the engine it measures. */
  readonly pollMs: number;
  /** How far it has got, in one read (another process answers it with one /metrics scrape). */
  progress(): Promise<EngineProgress>;
  /**
   * Its recstream_event_to_push_seconds histogram, the CPU its process has used and its full
   * collections, to diff around a run.
   */
  pushSnapshot(): Promise<PushSnapshot>;
}

/** Counters of one engine, to diff around a run. */
export interface EngineProgress {
  /** Input records it has handled (applied, duplicate or dead-lettered): recstream_events_total. */
  recordsHandled: number;
  /** Its recstream_item_deltas_total by outcome. */
  itemDeltas: ItemDeltaCounts;
  /** Bytes it has written to its state stores: recstream_state_commit_bytes_total. */
  stateBytesWritten: number;
}

/** Item deltas written by user sides and taken by item owners (recstream_item_deltas_total). */
export interface ItemDeltaCounts {
  sent: number;
  applied: number;
  duplicate: number;
}

/** Item deltas by outcome from a metric's samples (label `outcome`). */
export function itemDeltaCounts(samples: Iterable<{ outcome: string | undefined; value: number }>): ItemDeltaCounts {
  const counts: ItemDeltaCounts = { sent: 0, applied: 0, duplicate: 0 };
  for (const { outcome, value } of samples) {
    if (outcome === 'sent' || outcome === 'applied' || outcome === 'duplicate') counts[outcome] += value;
  }
  return counts;
}

export interface PushSnapshot {
  buckets: Buckets;
  /** process_cpu_seconds_total of the engine's process (its thread and V8's helpers); null when it has none. */
  cpuSeconds: number | null;
  /**
   * V8's full (mark-compact) collections in the engine's process so far, from Node's default metric
   * nodejs_gc_duration_seconds{kind="major"}; null when the engine has no default metrics. Each one
   * marks the whole heap, and the seconds of a push run it falls in are its worst.
   */
  fullCollections: number | null;
  /** performance.now() of the reader when it was taken. */
  at: number;
}

/** Full collections between two snapshots of every engine (summed); null when one has no count. */
export function fullCollectionsBetween(before: readonly PushSnapshot[], after: readonly PushSnapshot[]): number | null {
  let count = 0;
  for (let i = 0; i < before.length; i++) {
    const from = before[i]!.fullCollections;
    const to = after[i]!.fullCollections;
    if (from === null || to === null) return null;
    count += to - from;
  }
  return count;
}

/** Cores an engine's process used between two snapshots (CPU seconds per second); null when it has no CPU figure. */
export function coresBetween(before: PushSnapshot, after: PushSnapshot): number | null {
  if (before.cpuSeconds === null || after.cpuSeconds === null || after.at <= before.at) return null;
  return (after.cpuSeconds - before.cpuSeconds) / ((after.at - before.at) / 1000);
}

const EVENTS_TOTAL = 'recstream_events_total';
const EVENT_TO_PUSH_BUCKET = 'recstream_event_to_push_seconds_bucket';
const ITEM_DELTAS_TOTAL = 'recstream_item_deltas_total';
const PROCESS_CPU = 'process_cpu_seconds_total';
/** Node's default metric (prom-client): a histogram of collections by kind. */
export const GC_DURATION = 'nodejs_gc_duration_seconds';
const STATE_COMMIT_BYTES_TOTAL = 'recstream_state_commit_bytes_total';

// A scrape costs the engine about 2 ms of CPU: every 50 ms is 4 % of a core, and ends a run of a few
// seconds within 1 % of when it ended.
const SCRAPE_EVERY_MS = 50;

/** An engine in another process, read through its `GET /metrics`. */
export function scrapedEngine(url: string, authSecret: string | null): BenchEngine {
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${url}/metrics`);
    if (res.status !== 200) throw new BenchScrapeFailed(url, res.status);
    return res.text();
  };
  return {
    url,
    authSecret,
    pollMs: SCRAPE_EVERY_MS,
    async progress() {
      const text = await scrape();
      let recordsHandled = 0;
      for (const { value } of series(text, EVENTS_TOTAL)) recordsHandled += value;
      const deltas = [...series(text, ITEM_DELTAS_TOTAL)];
      const itemDeltas = itemDeltaCounts(deltas.map(({ labels, value }) => ({ outcome: labelValue(labels, 'outcome'), value })));
      let stateBytesWritten = 0;
      for (const { value } of series(text, STATE_COMMIT_BYTES_TOTAL)) stateBytesWritten += value;
      return { recordsHandled, itemDeltas, stateBytesWritten };
    },
    async pushSnapshot() {
      const text = await scrape();
      const at = performance.now();
      const buckets: Buckets = new Map();
      for (const { labels, value } of series(text, EVENT_TO_PUSH_BUCKET)) {
        const le = labelValue(labels, 'le');
        const bound = le === '+Inf' || le === undefined ? Infinity : Number(le);
        buckets.set(bound, (buckets.get(bound) ?? 0) + value);
      }
      let cpuSeconds: number | null = null;
      for (const { value } of series(text, PROCESS_CPU)) cpuSeconds = value;
      // the histogram's count appears once the process has had a collection of that kind
      let fullCollections: number | null = text.includes(`# TYPE ${GC_DURATION} `) ? 0 : null;
      for (const { labels, value } of series(text, `${GC_DURATION}_count`))
        if (labelValue(labels, 'kind') === 'major') fullCollections = value;
      return { buckets, cpuSeconds, fullCollections, at };
    },
  };
}

/** The value of label `name` in a sample's raw label text (`a="x",b="y"`), when it has one. */
function labelValue(labels: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1];
}

/** The samples of one metric in a Prometheus text scrape, with their raw label text. */
function* series(text: string, name: string): Generator<{ labels: string; value: number }> {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    yield { labels: m[2] ?? '', value: Number(m[3]) };
  }
}
