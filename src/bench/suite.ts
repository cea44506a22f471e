import type { RunningApp } from '../app.js';
import type { TrackingEvent } from '../events/types.js';
import { profiled } from './cpu-profile.js';
import { encodeEvents, type PipelineResult, timePipeline } from './embedded-pipeline.js';
import { inProcessEngine, startBenchApp } from './engine-app.js';
import { appTarget } from './event-target.js';
import { benchKafka, type KafkaBenchResult, type ProcessesResult } from './kafka.js';
import { benchLearnOnly, type LearnOnlyResult } from './learn-only.js';
import { type MachineInfo, machineInfo } from './machine.js';
import { benchMemory, MEMORY_SHAPE, type MemoryResult } from './memory.js';
import { buildMockCluster } from './mock-cluster.js';
import type { PushLoadResult } from './push-load.js';
import { runPushLoadInChild } from './push-load-process.js';
import { benchRestore, type RestoreResult } from './restore.js';
import type { BenchSizes } from './sizes.js';
import { perSecond, until } from './stats.js';
import { syntheticHistory } from './workload.js';

export interface BenchReport {
  quick: boolean;
  machine: MachineInfo;
  startedAt: string;
  seconds: number;
  /** The synthetic history of the throughput figures: drawn from `users` users and `items` items, Zipf activity and popularity. */
  workload: { events: number; users: number; items: number; usersWithEvents: number; itemsWithEvents: number };
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
    /** The engine with 1 and with 2 processes in one consumer group (the fields above are the 1-process run). */
    processes: KafkaProcessesRow[];
  };
  latency: { embedded: PushLoadResult; kafka: PushLoadResult };
  websocket: PushLoadResult;
  memory: MemoryResult;
  restore: RestoreResult;
}

export interface KafkaProcessesRow {
  processes: number;
  /** Every event ÷ the time until the processes together had applied them all, item side included. */
  pipelineEventsPerSecond: number;
  /** Every event ÷ the time until the processes had handled every input record (the user side). */
  handledEventsPerSecond: number;
  /** This row's throughput ÷ the 1-process row's, measured in this run. */
  pipelineToOneProcess: number;
  /** Events each process handled: its share of the input partitions. */
  eventsPerProcess: number[];
  /** Item deltas written and taken during the run; `unapplied` above 0 means the figure is not the whole engine's. */
  itemDeltas: PipelineResult['itemDeltas'];
  /** Cores each process used over the throughput run (its thread and V8's helpers); null without CPU figures. */
  engineCores: number[] | null;
  /** Event → push with the WebSocket clients spread over the processes. */
  latency: PushLoadResult;
}

export interface SuiteOptions {
  sizes: BenchSizes;
  quick: boolean;
  kafkaBrokers: string[] | null;
  progress: (line: string) => void;
  /** Where CPU profiles of the engine during the runs go (cpu-profile.ts; null: none are taken). */
  profileDir?: string | null;
}

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);

/** Longest wait after the pipeline run for the engine's state commit (STATE_COMMIT_MS and the commit itself). */
const STATE_WRITTEN_TIMEOUT_MS = 60_000;

/** The synthetic history of the throughput figures (the same events at every call). */
function throughputHistory(sizes: BenchSizes): TrackingEvent[] {
  return syntheticHistory({
    seed: 'throughput',
    users: sizes.throughputUsers,
    items: sizes.throughputItems,
    events: sizes.throughputEvents,
    idPrefix: 'bench-',
  });
}

/**
 * The embedded pipeline over `history` as Avro, until the item side has applied every delta too, as
 * on Kafka: the latency runs start on a settled engine, not one still working off the history. The
 * records are let go with this call.
 */
async function timeEmbedded(app: RunningApp, history: readonly TrackingEvent[]): Promise<PipelineResult> {
  const records = await encodeEvents(appTarget(app), history);
  const result = await timePipeline([inProcessEngine(app)], records, (chunk) => app.log.produce(chunk), {
    timeoutMs: 900_000,
    settled: () => app.engine.settled(),
  });
  // Nor while the history's last state commit (on its interval, once the input is quiet) is under
  // way: it took the first seconds of the latency run, which measures the engine at 2,000 events/s.
  await until(() => app.engine.stateWritten(), 'the engine to write its state', STATE_WRITTEN_TIMEOUT_MS, 100);
  return result;
}

/** Every measurement of `recstream bench` (docs/BENCHMARKS.md), one after the other in this process. */
export async function runSuite(options: SuiteOptions): Promise<BenchReport> {
  const { sizes, progress } = options;
  const profileDir = options.profileDir ?? null;
  const startedAt = new Date();
  const t0 = performance.now();

  // a machine that cannot build the mock cluster learns it now, not after minutes of measuring
  if (options.kafkaBrokers === null) await buildMockCluster();

  // Memory first, while the heap holds nothing else of ours.
  const { historyItems, neighbors, counters } = MEMORY_SHAPE;
  const [smaller, larger] = sizes.memory.clusters.map((c) => `${c * (counters + 1)} items, ~${c * sizes.memory.usersPerCluster} users`);
  progress(`memory: models of ${smaller} and of ${larger} (${historyItems}-item histories, ${neighbors} neighbours, ${counters} counters)`);
  const memory = benchMemory(sizes.memory);
  progress(`memory: ${memory.bytesPerUser} B per user, ${memory.bytesPerItem} B per item`);

  let history: TrackingEvent[] | null = throughputHistory(sizes);
  const workload = {
    events: history.length,
    users: sizes.throughputUsers,
    items: sizes.throughputItems,
    usersWithEvents: new Set(history.map((e) => e.userId)).size,
    itemsWithEvents: new Set(history.flatMap((e) => (e.kind === 'click' ? [e.itemId] : e.items.map((l) => l.itemId)))).size,
  };
  progress(`learn only: ${history.length} events through Recommender.learnOne`);
  const learnOnly = benchLearnOnly(history);
  let pipeline: PipelineResult;
  let embeddedLatency: PushLoadResult;
  let websocket: PushLoadResult;
  const app: RunningApp = await startBenchApp({ AUTH_SECRET: `bench-secret-${process.pid}-${Date.now()}` });
  try {
    progress(`embedded: the same ${history.length} events as Avro through the embedded log`);
    pipeline = await timeEmbedded(app, history);
    // The engine shares this process: the history and its records (~50 MB of small objects) would
    // be marked by every full collection of the latency runs, which no engine's heap holds. Drawn
    // again (the same events) for the Kafka part.
    history = null;
    progress(`embedded: ${pipeline.eventsPerSecond} events/s; latency at ${sizes.latency.rate} events/s`);
    const engines = [{ url: app.url, authSecret: app.engine.config.authSecret }];
    // the engine shares this process, the clients are the child's: this process's profile is the engine's
    embeddedLatency = await profiled(profileDir, 'embedded-push.cpuprofile', () =>
      runPushLoadInChild(
        {
          engines,
          options: {
            clients: sizes.latency.users,
            rate: sizes.latency.rate,
            seconds: sizes.latency.seconds,
            via: 'POST /v1/events',
            runId: 'latency',
          },
        },
        progress,
      ),
    );
    progress(`websocket load: ${sizes.websocket.clients} clients at ${sizes.websocket.rate} events/s`);
    websocket = await runPushLoadInChild(
      {
        engines,
        options: {
          clients: sizes.websocket.clients,
          rate: sizes.websocket.rate,
          seconds: sizes.websocket.seconds,
          via: 'POST /v1/events',
          runId: 'ws',
        },
      },
      progress,
    );
  } finally {
    await app.stop();
  }

  const kafka: KafkaBenchResult = await benchKafka({
    events: throughputHistory(sizes),
    latency: sizes.latency,
    brokers: options.kafkaBrokers,
    partitions: 4,
    processes: 2,
    progress,
    profileDir,
  });
  if (profileDir !== null) progress(`CPU profiles of the engine written to ${profileDir}`);

  const restore = await benchRestore({ ...sizes.restore, progress });

  return {
    quick: options.quick,
    machine: machineInfo(),
    startedAt: startedAt.toISOString(),
    seconds: Math.round((performance.now() - t0) / 1000),
    workload,
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
      processes: kafka.byProcesses.map((run) => processesRow(run, kafka.pipeline.eventsPerSecond)),
    },
    latency: { embedded: embeddedLatency, kafka: kafka.latency },
    websocket,
    memory,
    restore,
  };
}

function processesRow(run: ProcessesResult, onePerSecond: number): KafkaProcessesRow {
  return {
    processes: run.processes,
    pipelineEventsPerSecond: run.pipeline.eventsPerSecond,
    handledEventsPerSecond: perSecond(run.pipeline.events, run.pipeline.handledMs),
    pipelineToOneProcess: ratio(run.pipeline.eventsPerSecond, onePerSecond),
    eventsPerProcess: run.pipeline.perProcess,
    itemDeltas: run.pipeline.itemDeltas,
    engineCores: run.pipeline.engineCores,
    latency: run.latency,
  };
}
