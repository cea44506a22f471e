import type { RunningApp } from '../app.js';
import type { TrackingEvent } from '../events/types.js';
import { profiled } from './cpu-profile.js';
import type { PipelineResult } from './embedded-pipeline.js';
import { benchDataDir, type DataDirResult, latencyLoad, pushThroughCollector, startEmbedded, timeEmbedded } from './embedded-run.js';
import { benchKafka, type KafkaBenchResult, type ProcessesResult } from './kafka.js';
import { benchLearnOnly, type LearnOnlyResult } from './learn-only.js';
import { type MachineInfo, machineInfo } from './machine.js';
import { benchMemory, MEMORY_SHAPE, type MemoryResult } from './memory.js';
import { buildMockCluster } from './mock-cluster.js';
import type { PushLoadResult } from './push-load.js';
import { benchRestore, type RestoreResult } from './restore.js';
import type { BenchSizes } from './sizes.js';
import { perSecond } from './stats.js';
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
    /** The same pipeline on an engine with a data directory (log segments and state stores in files). */
    dataDirPipelineEventsPerSecond: number;
    dataDirPipeline: PipelineResult;
    /** Bytes under that data directory once the engine stopped (after the pipeline and its push run). */
    dataDirDiskBytes: number;
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
  /** `embeddedDataDir`: the embedded run on the engine with a data directory. */
  latency: { embedded: PushLoadResult; embeddedDataDir: PushLoadResult; kafka: PushLoadResult };
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
  const app: RunningApp = await startEmbedded();
  try {
    progress(`embedded: the same ${history.length} events as Avro through the embedded log`);
    pipeline = await timeEmbedded(app, history);
    // The engine shares this process: the history and its records (~50 MB of small objects) would
    // be marked by every full collection of the latency runs, which no engine's heap holds. Drawn
    // again (the same events) for the runs that follow.
    history = null;
    progress(`embedded: ${pipeline.eventsPerSecond} events/s; latency at ${sizes.latency.rate} events/s`);
    // the engine shares this process, the clients are the child's: this process's profile is the engine's
    embeddedLatency = await profiled(profileDir, 'embedded-push.cpuprofile', () =>
      pushThroughCollector(app, latencyLoad(sizes.latency), 'latency', progress),
    );
    progress(`websocket load: ${sizes.websocket.clients} clients at ${sizes.websocket.rate} events/s`);
    websocket = await pushThroughCollector(app, sizes.websocket, 'ws', progress);
  } finally {
    await app.stop();
  }

  const dataDir: DataDirResult = await benchDataDir({ history: () => throughputHistory(sizes), latency: sizes.latency, progress });

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
      dataDirPipelineEventsPerSecond: dataDir.pipeline.eventsPerSecond,
      dataDirPipeline: dataDir.pipeline,
      dataDirDiskBytes: dataDir.diskBytes,
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
    latency: { embedded: embeddedLatency, embeddedDataDir: dataDir.latency, kafka: kafka.latency },
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
