import { inputRecord } from '../engine/input-record.js';
import { EventSerde } from '../events/serde.js';
import type { TrackingEvent } from '../events/types.js';
import type { OutgoingRecord } from '../log/types.js';
import type { BenchEngine, ItemDeltaCounts } from './bench-engine.js';
import { BenchTimeout } from './errors.js';
import type { EventTarget } from './event-target.js';
import { perSecond, sleep } from './stats.js';

const SETTLED_POLL_MS = 10;

/** Records through a consumer, timed. */
export interface ThroughputResult {
  events: number;
  /** From the first produce until every event was applied (with `settled`, until that held too). */
  ms: number;
  eventsPerSecond: number;
  /** From the first produce until the engines had handled every input record. */
  handledMs: number;
  /** Records each engine process handled, in the order the processes were given. */
  perProcess: number[];
}

/** The engine's throughput, and whether its item side took every delta it was sent. */
export interface PipelineResult extends ThroughputResult {
  /**
   * Item deltas the engines' user sides wrote during the run, and what their item owners applied or
   * took for duplicates of them; `unapplied` is what was written and never taken (0 unless the log
   * lost records before an owner read them: the figure is then not the whole engine's).
   */
  itemDeltas: ItemDeltaCounts & { unapplied: number };
}

/** The Avro records website producers would write for these events, encoded ahead of the timing. */
export async function encodeEvents(target: EventTarget, events: readonly TrackingEvent[]): Promise<OutgoingRecord[]> {
  const { topics } = target;
  const serde = new EventSerde({ registry: target.registryUrl });
  await serde.registerAll(topics);
  const records: OutgoingRecord[] = [];
  for (const event of events) records.push(await inputRecord(event, serde, topics));
  return records;
}

/**
 * Whole engine throughput: `produce` appends the records (embedded log or Kafka), the engines (one,
 * or the processes of one consumer group) consume, decode, learn, recommend and emit; timed from the
 * first produce until the engines together have handled every record. The producer stays at most
 * `window` records ahead of the engines, so they always have a backlog to work on but the log never
 * holds more than that unread (the Kafka mock cluster drops the oldest messages of a partition past a
 * few MB, and a consumer asking for a dropped offset stalls). Each engine's counter is read at most
 * every `pollMs` of that engine (another process answers each read with a /metrics scrape). With
 * `settled`, the run ends only once that holds as well: on Kafka the item side applies the item
 * deltas of those records after them, through its own topic.
 */
export async function timePipeline(
  engines: readonly BenchEngine[],
  records: readonly OutgoingRecord[],
  produce: (records: OutgoingRecord[]) => Promise<void>,
  options: { timeoutMs: number; chunk?: number; window?: number; settled?: () => Promise<boolean> },
): Promise<PipelineResult> {
  const chunk = options.chunk ?? 1_000;
  const window = Math.max(chunk * 2, options.window ?? 10_000);
  const pollMs = Math.min(...engines.map((e) => e.pollMs));
  const baseline = await Promise.all(engines.map((e) => e.recordsHandled()));
  const deltasBefore = await deltaTotals(engines);
  const perProcess = baseline.map(() => 0);
  const readAt = engines.map(() => performance.now());
  const handled = async (): Promise<number> => {
    const now = performance.now();
    await Promise.all(
      engines.map(async (engine, i) => {
        if (now - readAt[i]! < engine.pollMs) return;
        readAt[i] = now;
        perProcess[i] = (await engine.recordsHandled()) - baseline[i]!;
      }),
    );
    return perProcess.reduce((a, b) => a + b, 0);
  };
  const deadline = Date.now() + options.timeoutMs;
  const waitFor = async (count: number): Promise<void> => {
    while ((await handled()) < count) {
      if (Date.now() > deadline)
        throw new BenchTimeout(`the engine handled ${await handled()} of ${records.length} records within ${options.timeoutMs} ms`);
      await sleep(pollMs);
    }
  };
  const started = performance.now();
  for (let at = 0; at < records.length; at += chunk) {
    await waitFor(at + chunk - window);
    await produce(records.slice(at, at + chunk));
  }
  await waitFor(records.length);
  const handledMs = performance.now() - started;
  while (options.settled !== undefined && !(await options.settled())) {
    if (Date.now() > deadline) throw new BenchTimeout(`the engine handled every record but had not settled within ${options.timeoutMs} ms`);
    await sleep(SETTLED_POLL_MS);
  }
  const ms = performance.now() - started;
  const after = await deltaTotals(engines);
  const itemDeltas = {
    sent: after.sent - deltasBefore.sent,
    applied: after.applied - deltasBefore.applied,
    duplicate: after.duplicate - deltasBefore.duplicate,
    unapplied: 0,
  };
  itemDeltas.unapplied = Math.max(0, itemDeltas.sent - itemDeltas.applied - itemDeltas.duplicate);
  return { events: records.length, ms, eventsPerSecond: perSecond(records.length, ms), handledMs, perProcess: [...perProcess], itemDeltas };
}

/** The engines' item-delta counts, summed (a delta is sent by one process and applied by another). */
async function deltaTotals(engines: readonly BenchEngine[]): Promise<ItemDeltaCounts> {
  const total: ItemDeltaCounts = { sent: 0, applied: 0, duplicate: 0 };
  for (const counts of await Promise.all(engines.map((e) => e.itemDeltas()))) {
    total.sent += counts.sent;
    total.applied += counts.applied;
    total.duplicate += counts.duplicate;
  }
  return total;
}
