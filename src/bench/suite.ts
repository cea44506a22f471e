import type { RunningApp } from '../app.js';
import { benchLearnOnly, type LearnOnlyResult } from './learn-only.js';
import { encodeEvents, timePipeline, type PipelineResult } from './embedded-pipeline.js';
import { startBenchApp } from './engine-app.js';
import { benchKafka, type KafkaBenchResult } from './kafka.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { benchMemory, type MemoryResult } from './memory.js';
import { runPushLoad, type PushLoadResult } from './push-load.js';
import { collectorSender } from './senders.js';
import type { BenchSizes } from './sizes.js';
import { syntheticHistory } from './workload.js';

export interface BenchReport {
  quick: boolean;
  machine: MachineInfo;
  startedAt: string;
  seconds: number;
  embedded: {
    learnOnlyEventsPerSecond: number;
    pipelineEventsPerSecond: number;
    /** pipeline ÷ learn-only, measured in this run. */
    pipelineToLearnOnly: number;
    learnOnly: LearnOnlyResult;
    pipeline: PipelineResult;
  };
  kafka: {
    pipelineEventsPerSecond: number;
    rawConsumeEventsPerSecond: number;
    /** engine on Kafka ÷ raw kafkajs consume of the same messages, measured in this run. */
    pipelineToRawConsume: number;
    cluster: string;
    partitions: number;
    events: number;
  };
  latency: { embedded: PushLoadResult; kafka: PushLoadResult };
  websocket: PushLoadResult;
  memory: MemoryResult;
}

export interface SuiteOptions {
  sizes: BenchSizes;
  quick: boolean;
  kafkaBrokers: string[] | null;
  progress: (line: string) => void;
}

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);

/** Every measurement of DESIGN.md §7, one after the other in this process. */
export async function runSuite(options: SuiteOptions): Promise<BenchReport> {
  const { sizes, progress } = options;
  const startedAt = new Date();
  const t0 = performance.now();

  // Memory first, while the heap holds nothing else of ours.
  progress(`memory: a model from ${sizes.memory.events} events of ${sizes.memory.users} users over ${sizes.memory.items} items`);
  const memory = benchMemory(sizes.memory);

  progress(`learn only: ${sizes.learnOnlyEvents} events through Recommender.learnOne`);
  const learnEvents = syntheticHistory({ seed: 'learn-only', users: sizes.pipelineUsers, events: sizes.learnOnlyEvents, idPrefix: 'learn-' });
  const learnOnly = benchLearnOnly(learnEvents);
  learnEvents.length = 0;

  const pipelineEvents = syntheticHistory({ seed: 'pipeline', users: sizes.pipelineUsers, events: sizes.pipelineEvents, idPrefix: 'pipe-' });
  let pipeline: PipelineResult;
  let embeddedLatency: PushLoadResult;
  let websocket: PushLoadResult;
  const app: RunningApp = await startBenchApp({ AUTH_SECRET: `bench-secret-${process.pid}-${Date.now()}` });
  try {
    progress(`embedded: ${pipelineEvents.length} Avro events through the embedded log`);
    const records = await encodeEvents(app, pipelineEvents);
    pipeline = await timePipeline(app, records, (chunk) => app.log.produce(chunk), 600_000);
    progress(`embedded: ${pipeline.eventsPerSecond} events/s; latency at ${sizes.latency.rate} events/s`);
    embeddedLatency = await runPushLoad(app, {
      clients: sizes.latency.users, rate: sizes.latency.rate, seconds: sizes.latency.seconds,
      send: collectorSender(app), via: 'POST /v1/events', runId: 'latency', progress,
    });
    progress(`websocket load: ${sizes.websocket.clients} clients at ${sizes.websocket.rate} events/s`);
    websocket = await runPushLoad(app, {
      clients: sizes.websocket.clients, rate: sizes.websocket.rate, seconds: sizes.websocket.seconds,
      send: collectorSender(app), via: 'POST /v1/events', runId: 'ws', progress,
    });
  } finally {
    await app.stop();
  }

  const kafkaEvents = syntheticHistory({ seed: 'kafka', users: sizes.pipelineUsers, events: sizes.kafkaEvents, idPrefix: 'kafka-' });
  const kafka: KafkaBenchResult = await benchKafka({
    events: kafkaEvents, latency: sizes.latency, brokers: options.kafkaBrokers, partitions: 4, progress,
  });

  return {
    quick: options.quick,
    machine: machineInfo(),
    startedAt: startedAt.toISOString(),
    seconds: Math.round((performance.now() - t0) / 1000),
    embedded: {
      learnOnlyEventsPerSecond: learnOnly.eventsPerSecond,
      pipelineEventsPerSecond: pipeline.eventsPerSecond,
      pipelineToLearnOnly: ratio(pipeline.eventsPerSecond, learnOnly.eventsPerSecond),
      learnOnly,
      pipeline,
    },
    kafka: {
      pipelineEventsPerSecond: kafka.pipeline.eventsPerSecond,
      rawConsumeEventsPerSecond: kafka.rawConsume.eventsPerSecond,
      pipelineToRawConsume: ratio(kafka.pipeline.eventsPerSecond, kafka.rawConsume.eventsPerSecond),
      cluster: kafka.cluster,
      partitions: kafka.partitions,
      events: kafka.pipeline.events,
    },
    latency: { embedded: embeddedLatency, kafka: kafka.latency },
    websocket,
    memory,
  };
}
