import type { RunningApp } from '../app.js';
import { inputRecord } from '../engine/input-record.js';
import type { TrackingEvent } from '../events/types.js';
import { EventSerde } from '../events/serde.js';
import type { OutgoingRecord } from '../log/types.js';
import { recordsHandled } from './engine-app.js';
import { perSecond, sleep } from './stats.js';

export interface PipelineResult {
  events: number;
  ms: number;
  eventsPerSecond: number;
}

/** The Avro records website producers would write for these events, encoded ahead of the timing. */
export async function encodeEvents(app: RunningApp, events: readonly TrackingEvent[]): Promise<OutgoingRecord[]> {
  const { topics } = app.engine.config;
  const serde = new EventSerde({ registry: app.registryUrl });
  await serde.registerAll(topics);
  const records: OutgoingRecord[] = [];
  for (const event of events) records.push(await inputRecord(event, serde, topics));
  return records;
}

/**
 * Whole engine throughput: `produce` appends the records (embedded log or Kafka), the engine
 * consumes, decodes, learns, recommends and emits; timed from the first produce until the engine
 * has handled every record.
 */
export async function timePipeline(app: RunningApp, records: readonly OutgoingRecord[], produce: (records: OutgoingRecord[]) => Promise<void>, timeoutMs: number, chunk = 1_000): Promise<PipelineResult> {
  const baseline = await recordsHandled(app);
  const target = baseline + records.length;
  const started = performance.now();
  const producing = (async () => {
    for (let at = 0; at < records.length; at += chunk) await produce(records.slice(at, at + chunk));
  })();
  const deadline = Date.now() + timeoutMs;
  while ((await recordsHandled(app)) < target) {
    if (Date.now() > deadline) throw new Error(`bench: the engine handled ${(await recordsHandled(app)) - baseline} of ${records.length} records within ${timeoutMs} ms`);
    await sleep(5);
  }
  const ms = performance.now() - started;
  await producing;
  return { events: records.length, ms, eventsPerSecond: perSecond(records.length, ms) };
}
