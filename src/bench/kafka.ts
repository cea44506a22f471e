import { type Admin, Kafka, logLevel } from 'kafkajs';
import { DEFAULT_KAFKA_TIMING } from '../config.js';
import type { TrackingEvent } from '../events/types.js';
import { KafkaLog } from '../log/kafka.js';
import { encodeEvents, type PipelineResult, type ThroughputResult, timePipeline } from './embedded-pipeline.js';
import { startEngineGroup } from './engine-group.js';
import { BenchTimeout } from './errors.js';
import { groupSettled } from './kafka-settled.js';
import { type MockCluster, type MockClusterOptions, startMockCluster } from './mock-cluster.js';
import { type EventSender, type PushLoadResult, runPushLoad } from './push-load.js';
import { lingeringSender, logSender } from './senders.js';
import { untilStateWritten } from './state-written.js';
import { perSecond, sleep } from './stats.js';
import { LiveEvents } from './workload.js';

export interface KafkaBenchResult {
  /** `librdkafka mock cluster` or the KAFKA_BROKERS it ran against. */
  cluster: string;
  partitions: number;
  /** One engine process: its throughput against the raw ceiling, and its push latency. */
  pipeline: PipelineResult;
  rawConsume: ThroughputResult;
  latency: PushLoadResult;
  /** The same events and latency run with each count of engine processes in one consumer group. */
  byProcesses: ProcessesResult[];
}

export interface ProcessesResult {
  processes: number;
  pipeline: PipelineResult;
  latency: PushLoadResult;
}

export interface KafkaBenchOptions {
  events: readonly TrackingEvent[];
  latency: { rate: number; seconds: number; users: number };
  /** External brokers (KAFKA_BROKERS); a mock cluster is started when absent. */
  brokers: string[] | null;
  partitions: number;
  /** Groups of 1, 2, … up to this many engine processes are measured, one after the other. */
  processes: number;
  progress: (line: string) => void;
  /** Where each engine process writes its CPU profile when it stops (null: nowhere). */
  profileDir?: string | null;
}

const PIPELINE_TIMEOUT_MS = 900_000;

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The outside producer's linger.ms: a real producer's batching window (kafkajs has none, senders.ts adds it). */
const PRODUCER_LINGER_MS = 5;

const PROBE_EVENTS = 40;
const PROBE_TIMEOUT_MS = 120_000;

// Short group timeouts: a member joining makes the group rebalance, which the mock cluster holds for
// about the session timeout. The same for every group, so 1 and 2 processes compare like with like.
const GROUP_TIMING = {
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  KAFKA_REBALANCE_TIMEOUT_MS: '6000',
  KAFKA_HEARTBEAT_INTERVAL_MS: '500',
};

type TopicSpec = NonNullable<MockClusterOptions['topics']>[number];

interface GroupSetUp {
  processes: number;
  /** GROUP_ID and the TOPIC_* names, fresh for this group. */
  env: Record<string, string> & { GROUP_ID: string; TOPIC_CLICKS: string; TOPIC_PURCHASES: string; TOPIC_ITEM_DELTAS: string };
  topics: TopicSpec[];
}

function groupSetUp(run: string, processes: number, partitions: number): GroupSetUp {
  const group = `bench-${run}-p${processes}`;
  const env = {
    GROUP_ID: group,
    TOPIC_CLICKS: `${group}-clicks`,
    TOPIC_PURCHASES: `${group}-purchases`,
    TOPIC_RECOMMENDATIONS: `${group}-recommendations`,
    TOPIC_DLQ: `${group}-dlq`,
    TOPIC_CHANGELOG: `${group}-changelog`,
    // the group's internal topics: item state and model parameters shared through Kafka
    TOPIC_ITEM_DELTAS: `${group}.item-deltas`,
    TOPIC_ITEM_NEIGHBORS: `${group}.item-neighbors`,
    TOPIC_MODEL_PARAMS: `${group}.model-params`,
    TOPIC_USER_STATE: `${group}.user-state`,
    TOPIC_ITEM_STATE: `${group}.item-state`,
  };
  const topics: TopicSpec[] = [
    { topic: env.TOPIC_CLICKS, partitions },
    { topic: env.TOPIC_PURCHASES, partitions },
    { topic: env.TOPIC_RECOMMENDATIONS, partitions },
    { topic: env.TOPIC_DLQ, partitions: 1 },
    { topic: env.TOPIC_CHANGELOG, partitions: 1 },
    { topic: env.TOPIC_ITEM_DELTAS, partitions },
    { topic: env.TOPIC_ITEM_NEIGHBORS, partitions },
    { topic: env.TOPIC_MODEL_PARAMS, partitions: 1 },
    { topic: env.TOPIC_USER_STATE, partitions },
    { topic: env.TOPIC_ITEM_STATE, partitions },
  ];
  return { processes, env, topics };
}

/**
 * The engine on Kafka with 1, then 2 (…) processes in one consumer group, on the same broker and the
 * same messages: throughput until the processes together have applied every event, then event →
 * push latency with an outside Avro producer and WebSocket clients spread over the processes; and the
 * raw kafkajs ceiling on the messages of the 1-process run. Topics and groups are fresh per group.
 */
export async function benchKafka(options: KafkaBenchOptions): Promise<KafkaBenchResult> {
  const run = `${Date.now().toString(36)}-${process.pid}`;
  const setUps = Array.from({ length: Math.max(1, options.processes) }, (_, i) => groupSetUp(run, i + 1, options.partitions));
  let mock: MockCluster | null = null;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    let brokers = options.brokers;
    if (brokers === null) {
      mock = await startMockCluster({ topics: setUps.flatMap((s) => s.topics) });
      brokers = mock.brokers;
    }
    options.progress(`kafka: ${mock ? 'librdkafka mock cluster' : 'KAFKA_BROKERS'} at ${brokers.join(',')}`);
    const producer = new KafkaLog({ brokers, clientId: 'recstream-bench-producer' });
    await producer.connect();
    cleanups.push(() => producer.close());
    const admin = new Kafka({ brokers, clientId: 'recstream-bench-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      PARTITIONS: String(options.partitions),
      AUTH_SECRET: `bench-secret-${run}`,
      ...GROUP_TIMING,
    };

    const [first, ...more] = setUps as [GroupSetUp, ...GroupSetUp[]];
    const one = await benchGroup(first, env, producer, admin, options);
    options.progress("kafka: raw kafkajs consume of the 1-process run's messages");
    const rawConsume = await rawConsumeCeiling(
      brokers,
      [first.env.TOPIC_CLICKS, first.env.TOPIC_PURCHASES],
      one.pipeline.events,
      `bench-raw-${run}`,
      DEFAULT_KAFKA_TIMING.maxWaitMs,
    );
    options.progress(`kafka: raw consume ${rawConsume.eventsPerSecond} events/s`);
    const byProcesses = [one];
    for (const setUp of more) byProcesses.push(await benchGroup(setUp, env, producer, admin, options));
    return {
      cluster: mock ? 'librdkafka mock cluster (1 broker, loopback)' : brokers.join(','),
      partitions: options.partitions,
      pipeline: one.pipeline,
      rawConsume,
      latency: one.latency,
      byProcesses,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await mock?.stop();
  }
}

/** One group: its processes started, the throughput run, the latency run, the processes stopped. */
async function benchGroup(
  setUp: GroupSetUp,
  env: Record<string, string>,
  producer: KafkaLog,
  admin: Admin,
  options: KafkaBenchOptions,
): Promise<ProcessesResult> {
  const n = setUp.processes;
  const label = `kafka, ${n} process${n === 1 ? '' : 'es'}`;
  options.progress(`${label}: starting (group join takes a few seconds)`);
  const group = await startEngineGroup({ ...env, ...setUp.env }, n, options.progress, options.profileDir ?? null);
  try {
    const send = await logSender(group.target, producer);
    const settled = groupSettled(admin, setUp.env);
    await probe(send, settled, setUp.env.GROUP_ID);
    const records = await encodeEvents(group.target, options.events);
    options.progress(`${label}: producing the same ${records.length} events as Avro while the engine consumes`);
    // Applied means on the item side too, which takes the item deltas of those events from its own topic.
    const pipeline = await timePipeline(group.engines, records, (chunk) => producer.produce(chunk), {
      timeoutMs: PIPELINE_TIMEOUT_MS,
      settled,
    });
    options.progress(
      `${label}: ${pipeline.eventsPerSecond} events/s; inputs handled after ${seconds(pipeline.handledMs)} s (per process: ${pipeline.perProcess.join(', ')}), every event applied after ${seconds(pipeline.ms)} s; engines ${pipeline.engineCores?.join(' + ') ?? '–'} cores`,
    );
    const { sent, unapplied } = pipeline.itemDeltas;
    if (unapplied > 0)
      options.progress(
        `${label}: ${unapplied} of ${sent} item deltas were never applied (records lost before an owner read them: on the mock cluster, a partition past 5 MiB deletes its oldest); this throughput is not the whole engine's`,
      );
    // Nor while the history's last state commit is under way (as the embedded run waits): it took the
    // first seconds of the latency run, p99 377–632 ms in them against 110–200 after.
    options.progress(`${label}: waiting for the engines to write their state`);
    await untilStateWritten(group.engines, { ...env, ...setUp.env });
    options.progress(`${label}: latency at ${options.latency.rate} events/s`);
    const producing = lingeringSender(send, PRODUCER_LINGER_MS);
    const latency = await runPushLoad(group.engines, {
      clients: options.latency.users,
      rate: options.latency.rate,
      seconds: options.latency.seconds,
      send: producing.send,
      flushed: producing.flushed,
      tickMs: 1,
      lingerMs: PRODUCER_LINGER_MS,
      via: `Avro produced to Kafka by an outside producer lingering ${PRODUCER_LINGER_MS} ms`,
      runId: `kafka-${setUp.env.GROUP_ID}`,
      progress: options.progress,
    });
    return { processes: n, pipeline, latency };
  } finally {
    await group.stop();
  }
}

/**
 * A few events through both sides before the timing. A member joining rebalances the item owners'
 * group as well as the input group, and /readyz shows only the input split: until the item owners'
 * rebalance is over (seconds on the mock), the item deltas of the timed events would wait for it.
 */
async function probe(send: EventSender, settled: () => Promise<boolean>, groupId: string): Promise<void> {
  const live = new LiveEvents(`probe-${groupId}`, 'probe-');
  const now = Date.now();
  await send(Array.from({ length: PROBE_EVENTS }, (_, i) => live.for(`bench-probe-${i % 8}`, now)));
  const deadline = Date.now() + PROBE_TIMEOUT_MS;
  while (!(await settled())) {
    if (Date.now() > deadline)
      throw new BenchTimeout(`group ${groupId} had not applied ${PROBE_EVENTS} probe events within ${PROBE_TIMEOUT_MS} ms`);
    await sleep(50);
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
): Promise<ThroughputResult> {
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
    return { events: count, ms, eventsPerSecond: perSecond(count, ms), handledMs: ms, perProcess: [count] };
  } finally {
    await consumer.disconnect();
  }
}
