import { Kafka, logLevel } from 'kafkajs';
import type { RunningApp } from '../app.js';
import type { TrackingEvent } from '../events/types.js';
import { KafkaLog } from '../log/kafka.js';
import { encodeEvents, type PipelineResult, timePipeline } from './embedded-pipeline.js';
import { startBenchApp } from './engine-app.js';
import { type MockCluster, startMockCluster } from './mock-cluster.js';
import { type PushLoadResult, runPushLoad } from './push-load.js';
import { logSender } from './senders.js';
import { perSecond } from './stats.js';

export interface KafkaBenchResult {
  /** `librdkafka mock cluster` or the KAFKA_BROKERS it ran against. */
  cluster: string;
  partitions: number;
  pipeline: PipelineResult;
  rawConsume: PipelineResult;
  latency: PushLoadResult;
}

export interface KafkaBenchOptions {
  events: readonly TrackingEvent[];
  latency: { rate: number; seconds: number; users: number };
  /** External brokers (KAFKA_BROKERS); a mock cluster is started when absent. */
  brokers: string[] | null;
  partitions: number;
  progress: (line: string) => void;
}

const PIPELINE_TIMEOUT_MS = 900_000;

/**
 * The engine on Kafka and the raw kafkajs ceiling on the same broker and messages, then event → push
 * latency with an outside Avro producer. Topics and groups are fresh per run.
 */
export async function benchKafka(options: KafkaBenchOptions): Promise<KafkaBenchResult> {
  const run = `${Date.now().toString(36)}-${process.pid}`;
  const topics = {
    TOPIC_CLICKS: `bench-${run}-clicks`,
    TOPIC_PURCHASES: `bench-${run}-purchases`,
    TOPIC_RECOMMENDATIONS: `bench-${run}-recommendations`,
    TOPIC_DLQ: `bench-${run}-dlq`,
    TOPIC_CHANGELOG: `bench-${run}-changelog`,
  };
  let mock: MockCluster | null = null;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    let brokers = options.brokers;
    if (brokers === null) {
      const p = options.partitions;
      mock = await startMockCluster({
        topics: [
          { topic: topics.TOPIC_CLICKS, partitions: p },
          { topic: topics.TOPIC_PURCHASES, partitions: p },
          { topic: topics.TOPIC_RECOMMENDATIONS, partitions: p },
          { topic: topics.TOPIC_DLQ, partitions: 1 },
          { topic: topics.TOPIC_CHANGELOG, partitions: 1 },
        ],
      });
      brokers = mock.brokers;
    }
    options.progress(
      `kafka: ${mock ? 'librdkafka mock cluster' : 'KAFKA_BROKERS'} at ${brokers.join(',')}; starting the engine (group join takes a few seconds)`,
    );
    const app: RunningApp = await startBenchApp({
      KAFKA_BROKERS: brokers.join(','),
      GROUP_ID: `bench-${run}`,
      PARTITIONS: String(options.partitions),
      AUTH_SECRET: `bench-secret-${run}`,
      ...topics,
    });
    cleanups.push(() => app.stop());
    const producer = new KafkaLog({ brokers, clientId: 'recstream-bench-producer' });
    await producer.connect();
    cleanups.push(() => producer.close());

    const records = await encodeEvents(app, options.events);
    options.progress(`kafka: producing the same ${records.length} events as Avro while the engine consumes`);
    const pipeline = await timePipeline(app, records, (chunk) => producer.produce(chunk), { timeoutMs: PIPELINE_TIMEOUT_MS });
    options.progress(`kafka: engine ${pipeline.eventsPerSecond} events/s; raw kafkajs consume of the same messages`);
    const rawConsume = await rawConsumeCeiling(
      brokers,
      [topics.TOPIC_CLICKS, topics.TOPIC_PURCHASES],
      records.length,
      `bench-raw-${run}`,
      app.engine.config.kafka!.maxWaitMs,
    );
    options.progress(`kafka: raw consume ${rawConsume.eventsPerSecond} events/s; latency at ${options.latency.rate} events/s`);
    const latency = await runPushLoad(app, {
      clients: options.latency.users,
      rate: options.latency.rate,
      seconds: options.latency.seconds,
      send: await logSender(app, producer),
      via: 'Avro produced to Kafka by an outside producer',
      runId: `kafka-${run}`,
      progress: options.progress,
    });
    return {
      cluster: mock ? 'librdkafka mock cluster (1 broker, loopback)' : brokers.join(','),
      partitions: options.partitions,
      pipeline,
      rawConsume,
      latency,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await mock?.stop();
  }
}

/**
 * A plain kafkajs group consumer with eachBatch and no decoding, fetching with the engine's fetch wait:
 * the ceiling for the engine on this broker.
 */
async function rawConsumeCeiling(
  brokers: string[],
  topics: string[],
  expected: number,
  groupId: string,
  maxWaitMs: number,
): Promise<PipelineResult> {
  const kafka = new Kafka({ brokers, clientId: 'recstream-bench-raw', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: maxWaitMs });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    let count = 0;
    let first = 0;
    let last = 0;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench: raw consumer read ${count} of ${expected} messages in ${PIPELINE_TIMEOUT_MS} ms`)),
        PIPELINE_TIMEOUT_MS,
      );
      void consumer
        .run({
          eachBatch: async ({ batch }) => {
            if (first === 0) first = performance.now();
            count += batch.messages.length;
            if (count >= expected && last === 0) {
              last = performance.now();
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await done;
    // timed from the first batch: the group join (~3 s on the mock) is not consuming
    const ms = last - first;
    return { events: count, ms, eventsPerSecond: perSecond(count, ms) };
  } finally {
    await consumer.disconnect();
  }
}
