import type { Config } from '../config.js';
import { inputRecord } from '../engine/input-record.js';
import { collectorJson } from '../events/collector-json.js';
import { EventSerde } from '../events/serde.js';
import type { TrackingEvent } from '../events/types.js';
import { createEventLog } from '../log/index.js';
import { createLogger, type Logger } from '../logger.js';

/** Where `replay` and `generate --to-topics` send events. */
export interface EventSink {
  readonly name: string;
  send(events: TrackingEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Straight into the input topics as a website's Kafka producer would: Avro via the registry. */
async function topicSink(config: Config, logger: Logger): Promise<EventSink> {
  if (config.kafka === null) throw new Error('topicSink needs KAFKA_BROKERS');
  if (config.schemaRegistryUrl === null) {
    throw new Error('SCHEMA_REGISTRY_URL is unset: producing Avro into Kafka needs the registry the engine uses, e.g. SCHEMA_REGISTRY_URL=http://localhost:8081 or http://ENGINE:8080/registry');
  }
  const log = createEventLog({ ...config, kafka: { ...config.kafka, clientId: `${config.kafka.clientId}-producer` } }, logger);
  await log.connect();
  const serde = new EventSerde({ registry: config.schemaRegistryUrl });
  await serde.registerAll(config.topics);
  return {
    name: `kafka ${config.kafka.brokers.join(',')}`,
    async send(events) {
      await log.produce(await Promise.all(events.map((e) => inputRecord(e, serde, config.topics))));
    },
    close: () => log.close(),
  };
}

/** To a running engine's collector, `POST /v1/events`, as a website backend would. */
function httpSink(baseUrl: string, writeKey: string | null): EventSink {
  const url = new URL('/v1/events', baseUrl);
  return {
    name: url.toString(),
    async send(events) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(writeKey ? { 'x-write-key': writeKey } : {}) },
        body: JSON.stringify(events.map(collectorJson)),
      }).catch((err: unknown) => {
        throw new Error(`cannot reach ${url} (${(err as Error).message}): is recstream running there? Set --url, or KAFKA_BROKERS to produce into Kafka`);
      });
      // 429 (rate limit) and 503 with Retry-After (load shedding) both mean: same batch, later
      if (res.status === 429 || (res.status === 503 && res.headers.has('retry-after'))) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, wait * 1000));
        return this.send(events);
      }
      if (res.status !== 202) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
      const answer = (await res.json()) as { rejected: Array<{ index: number; error: string }> };
      if (answer.rejected.length > 0) throw new Error(`collector rejected ${answer.rejected.length} events, first: ${answer.rejected[0]?.error}`);
    },
    async close() {},
  };
}

/** Into Kafka when KAFKA_BROKERS is set, else to the collector at `url` (default: this machine's PORT). */
export async function openEventSink(config: Config, target: { url?: string; writeKey?: string }): Promise<EventSink> {
  if (config.kafka !== null) return topicSink(config, createLogger(config.logLevel));
  return httpSink(target.url ?? `http://localhost:${config.port}`, target.writeKey ?? config.writeKeys[0] ?? null);
}

/**
 * Sends events in batches at `rate` events per second (0 = as fast as the sink takes them).
 * Resolves with how many were sent.
 */
export async function pace(events: Iterable<TrackingEvent> | AsyncIterable<TrackingEvent>, rate: number, sink: EventSink, batchSize = 500, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  let sent = 0;
  let batch: TrackingEvent[] = [];
  const perBatch = rate > 0 ? Math.max(1, Math.min(batchSize, Math.ceil(rate / 10))) : batchSize;
  const flush = async () => {
    if (batch.length === 0) return;
    await sink.send(batch);
    sent += batch.length;
    batch = [];
    if (rate > 0) {
      const due = started + (sent / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  for await (const event of events) {
    if (signal?.aborted) break;
    batch.push(event);
    if (batch.length >= perBatch) await flush();
  }
  await flush();
  return sent;
}
