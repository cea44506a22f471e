import { inputRecord } from '../engine/input-record.js';
import { EventSerde } from '../events/serde.js';
import type { TrackingEvent } from '../events/types.js';
import type { OutgoingRecord } from '../log/types.js';
import { type BenchEngine, coresBetween, type ItemDeltaCounts } from './bench-engine.js';
import { DeltaWindow } from './delta-window.js';
import { EngineReadings } from './engine-readings.js';
import { BenchTimeout } from './errors.js';
import type { EventTarget } from './event-target.js';
import { perSecond, sleep } from './stats.js';

const SETTLED_POLL_MS = 10;
// Owners that take no delta for this long while they owe some have lost them (see DeltaWindow).
const OWNER_STALL_MS = 3_000;

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
  /**
   * Cores each engine's process used over the run (CPU seconds per second, in the order the engines
   * were given; an engine in the bench's own process counts the bench's producer too); null when an
   * engine has no CPU figure.
   */
  engineCores: number[] | null;
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
 * `window` records ahead of the engines' user sides, and waits while their item owners have more than
 * half that many deltas still to take, so the engines always have a backlog to work on but neither
 * the input nor the item-delta topic holds much unread: the Kafka mock cluster deletes the oldest
 * messages of a partition past 5 MiB, read or not, and item deltas lost so would make the figure
 * count an item side that skipped them. Each engine is read at most every `pollMs` of that engine
 * (another process answers each read with a /metrics scrape). With `settled`, the run ends only once
 * that holds as well: on Kafka the item side applies the item deltas of those records after them,
 * through its own topic.
 */
export async function timePipeline(
  engines: readonly BenchEngine[],
  records: readonly OutgoingRecord[],
  produce: (records: OutgoingRecord[]) => Promise<void>,
  options: { timeoutMs: number; chunk?: number; window?: number; settled?: () => Promise<boolean> },
): Promise<PipelineResult> {
  const chunk = options.chunk ?? 1_000;
  const window = Math.max(chunk * 2, options.window ?? 10_000);
  // The bench's workload makes ~1.5 deltas per event at ~360 bytes each (~575 before version-3 records):
  // half a window of them unread, with the deltas of a window of input not yet handled, is ~7 MB over
  // 4 partitions, well under 5 MiB each.
  const deltaWindow = window / 2;
  const readings = await EngineReadings.start(engines);
  const cpuBefore = await Promise.all(engines.map((e) => e.pushSnapshot()));
  const deadline = Date.now() + options.timeoutMs;
  const owners = new DeltaWindow(deltaWindow, OWNER_STALL_MS);
  const waitFor = async (count: number, boundDeltas: boolean): Promise<void> => {
    for (;;) {
      await readings.refresh();
      if (readings.handled() >= count && (!boundDeltas || owners.allows(readings.itemDeltas(), performance.now()))) return;
      if (Date.now() > deadline)
        throw new BenchTimeout(`the engine handled ${readings.handled()} of ${records.length} records within ${options.timeoutMs} ms`);
      await sleep(readings.pollMs);
    }
  };
  const started = performance.now();
  for (let at = 0; at < records.length; at += chunk) {
    await waitFor(at + chunk - window, true);
    await produce(records.slice(at, at + chunk));
  }
  await waitFor(records.length, false);
  const handledMs = performance.now() - started;
  while (options.settled !== undefined && !(await options.settled())) {
    if (Date.now() > deadline) throw new BenchTimeout(`the engine handled every record but had not settled within ${options.timeoutMs} ms`);
    await sleep(SETTLED_POLL_MS);
  }
  const ms = performance.now() - started;
  const cpuAfter = await Promise.all(engines.map((e) => e.pushSnapshot()));
  const cores = cpuBefore.map((before, i) => coresBetween(before, cpuAfter[i]!));
  const engineCores = cores.every((c) => c !== null) ? cores.map((c) => Math.round(c * 100) / 100) : null;
  await readings.refresh(true);
  const d = readings.itemDeltas();
  const itemDeltas = { ...d, unapplied: Math.max(0, d.sent - d.applied - d.duplicate) };
  return {
    events: records.length,
    ms,
    eventsPerSecond: perSecond(records.length, ms),
    handledMs,
    perProcess: readings.handledBy(),
    itemDeltas,
    engineCores,
  };
}
