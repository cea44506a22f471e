import { type Config, ConfigError } from '../config.js';
import { inputRecord } from '../engine/input-record.js';
import { createError, messageOf } from '../errors.js';
import { collectorJson } from '../events/collector-json.js';
import { EventSerde } from '../events/serde.js';
import type { TrackingEvent } from '../events/types.js';
import { createEventLog } from '../log/index.js';
import { createLogger, type Logger } from '../logger.js';

/** No engine answers at the collector URL. */
const CollectorUnreachable = createError(
  'RS_COLLECTOR_UNREACHABLE',
  'CollectorUnreachable',
  (url: string, detail: string) =>
    `cannot reach ${url} (${detail}): is recstream running there? Set --url, or KAFKA_BROKERS to produce into Kafka`,
  { retriable: true },
);

/** The collector refused a batch outright (not load shedding, which is waited out): its status and answer. */
const CollectorRefused = createError(
  'RS_COLLECTOR_REFUSED',
  'CollectorRefused',
  (url: string, status: number, answer: string) => `${url} answered ${status}: ${answer}`,
);

/** The collector took the batch but rejected events in it. */
const EventsRejected = createError(
  'RS_EVENTS_REJECTED',
  'EventsRejected',
  (count: number, first: string) => `collector rejected ${count} events, first: ${first}`,
);

/** Where `replay` and `generate --to-topics` send events. */
export interface EventSink {
  readonly name: string;
  send(events: TrackingEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Straight into the input topics as a website's Kafka producer would: Avro via the registry. */
async function topicSink(config: Config, logger: Logger): Promise<EventSink> {
  if (config.kafka === null)
    throw new ConfigError(['KAFKA_BROKERS is unset: producing into Kafka needs the brokers, e.g. KAFKA_BROKERS=localhost:9092']);
  if (config.schemaRegistryUrl === null) {
    throw new ConfigError([
      'SCHEMA_REGISTRY_URL is unset: producing Avro into Kafka needs the registry the engine uses, e.g. SCHEMA_REGISTRY_URL=http://localhost:8081 or http://ENGINE:8080/registry',
    ]);
  }
  const log = createEventLog({ ...config, kafka: { ...config.kafka, clientId: `${config.kafka.clientId}-producer` } }, logger);
  await log.connect();
  const serde = new EventSerde({ registry: config.schemaRegistryUrl, auth: config.schemaRegistryAuth });
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
        throw new CollectorUnreachable(url.toString(), messageOf(err), { cause: err });
      });
      // 429 (rate limit) and 503 with Retry-After (load shedding) both mean: same batch, later
      if (res.status === 429 || (res.status === 503 && res.headers.has('retry-after'))) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, wait * 1000));
        return this.send(events);
      }
      if (res.status !== 202) throw new CollectorRefused(url.toString(), res.status, await res.text());
      const answer = (await res.json()) as { rejected: Array<{ index: number; error: string }> };
      if (answer.rejected.length > 0) throw new EventsRejected(answer.rejected.length, answer.rejected[0]?.error ?? '');
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
export async function pace(
  events: Iterable<TrackingEvent> | AsyncIterable<TrackingEvent>,
  rate: number,
  sink: EventSink,
  batchSize = 500,
  signal?: AbortSignal,
): Promise<number> {
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
