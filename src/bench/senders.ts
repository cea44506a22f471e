import { inputRecord } from '../engine/input-record.js';
import { collectorJson } from '../events/collector-json.js';
import { EventSerde } from '../events/serde.js';
import type { TrackingEvent } from '../events/types.js';
import type { EventLog } from '../log/types.js';
import { BenchCollectorRefused } from './errors.js';
import type { EventTarget } from './event-target.js';
import type { EventSender } from './push-load.js';

/**
 * Events per collector request: a tick's batch can grow when the sender falls behind the rate, and
 * a site posts in requests well under the collector's body limit (MAX_BODY_BYTES, 1 MiB by default;
 * an event is ~250 bytes of JSON), several at once.
 */
const EVENTS_PER_POST = 500;

/** Events posted to the collector at `url` as a website would: each tick's batch in requests of at most EVENTS_PER_POST, sent together. */
export function collectorSender(url: string): EventSender {
  const post = async (events: TrackingEvent[]): Promise<void> => {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events.map(collectorJson)),
    });
    const body = (await res.json()) as { accepted?: number };
    if (res.status !== 202 || body.accepted !== events.length) {
      throw new BenchCollectorRefused(res.status, JSON.stringify(body).slice(0, 300));
    }
  };
  return async (events) => {
    const requests: Array<Promise<void>> = [];
    for (let at = 0; at < events.length; at += EVENTS_PER_POST) requests.push(post(events.slice(at, at + EVENTS_PER_POST)));
    await Promise.all(requests);
  };
}

/** Events as Avro records appended to a log (the engine's own, or an outside Kafka producer's). */
export async function logSender(target: EventTarget, log: EventLog): Promise<EventSender> {
  const { topics } = target;
  const serde = new EventSerde({ registry: target.registryUrl });
  await serde.registerAll(topics);
  return async (events) => {
    const records = await Promise.all(events.map((e) => inputRecord(e, serde, topics)));
    await log.produce(records);
  };
}

/** A sender whose `send` only queues; `flushed` resolves once everything queued is written (or rejects with the first failure). */
export interface LingeringSender {
  send: EventSender;
  flushed(): Promise<void>;
}

/**
 * What a real Kafka producer does with linger.ms, which kafkajs lacks: events handed to `send` wait
 * until `lingerMs` after the first of them and then go out as one produce request. Requests are
 * written one after the other (so a user's events keep their order); while one is in flight the next
 * window keeps filling, as librdkafka's queue does.
 */
export function lingeringSender(inner: EventSender, lingerMs: number): LingeringSender {
  let queued: TrackingEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const flush = (): void => {
    timer = null;
    const batch = queued;
    queued = [];
    chain = chain.then(() =>
      inner(batch).catch((err: unknown) => {
        failure ??= err;
      }),
    );
  };
  return {
    send: async (events) => {
      if (failure !== null) throw failure;
      queued.push(...events);
      timer ??= setTimeout(flush, lingerMs);
    },
    flushed: async () => {
      if (timer !== null) {
        clearTimeout(timer);
        flush();
      }
      await chain;
      if (failure !== null) throw failure;
    },
  };
}
