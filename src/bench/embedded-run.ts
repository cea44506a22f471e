import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApp } from '../app.js';
import type { TrackingEvent } from '../events/types.js';
import { bytesOnDisk } from '../log/memory-store.js';
import { encodeEvents, type PipelineResult, timePipeline } from './embedded-pipeline.js';
import { inProcessEngine, startBenchApp } from './engine-app.js';
import { appTarget } from './event-target.js';
import type { PushLoadResult } from './push-load.js';
import { runPushLoadInChild } from './push-load-process.js';
import type { BenchSizes } from './sizes.js';
import { until } from './stats.js';

/** Longest wait after the pipeline run for the engine's state commit (STATE_COMMIT_MS and the commit itself). */
const STATE_WRITTEN_TIMEOUT_MS = 60_000;

/** An embedded engine in the bench process, its secret its own. */
export function startEmbedded(env: Record<string, string> = {}): Promise<RunningApp> {
  return startBenchApp({ AUTH_SECRET: `bench-secret-${process.pid}-${Date.now()}`, ...env });
}

/**
 * The embedded pipeline over `history` as Avro, until the item side has applied every delta too, as
 * on Kafka: the latency runs start on a settled engine, not one still working off the history. The
 * records are let go with this call.
 */
export async function timeEmbedded(app: RunningApp, history: readonly TrackingEvent[]): Promise<PipelineResult> {
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

/** Event → push on `app` through its collector, the clients and the collector's client in a child process. */
export function pushThroughCollector(
  app: RunningApp,
  load: { clients: number; rate: number; seconds: number },
  runId: string,
  progress: (line: string) => void,
): Promise<PushLoadResult> {
  return runPushLoadInChild(
    {
      engines: [{ url: app.url, authSecret: app.engine.config.authSecret }],
      options: { clients: load.clients, rate: load.rate, seconds: load.seconds, via: 'POST /v1/events', runId },
    },
    progress,
  );
}

/** The latency run's load: one client per user. */
export function latencyLoad(latency: BenchSizes['latency']): { clients: number; rate: number; seconds: number } {
  return { clients: latency.users, rate: latency.rate, seconds: latency.seconds };
}

export interface DataDirResult {
  pipeline: PipelineResult;
  latency: PushLoadResult;
  /** Bytes of every file under the data directory once the engine stopped: the log's segments, the stores, the group commits. */
  diskBytes: number;
}

/** Times the pipeline over a history drawn for it, let go of once timed (with this function's frame). */
async function timeDrawn(app: RunningApp, draw: () => readonly TrackingEvent[], progress: (line: string) => void): Promise<PipelineResult> {
  const history = draw();
  progress(`embedded with DATA_DIR: the same ${history.length} events`);
  return timeEmbedded(app, history);
}

/**
 * The embedded pipeline and its push run again on an engine with a data directory (a fresh temporary
 * one), as an embedded deployment that keeps its state runs: the log's segments and the state stores
 * in files, written before a produce returns.
 */
export async function benchDataDir(options: {
  /**
   * Draws the history: held only for the pipeline run, as the in-memory run lets go of its own before
   * its latency runs (the engine shares this process, and ~50 MB of the bench's small objects would be
   * marked by every full collection of the push).
   */
  history: () => readonly TrackingEvent[];
  latency: BenchSizes['latency'];
  progress: (line: string) => void;
}): Promise<DataDirResult> {
  const dir = await mkdtemp(join(tmpdir(), 'recstream-bench-data-'));
  try {
    const app = await startEmbedded({ DATA_DIR: dir });
    let pipeline: PipelineResult;
    let latency: PushLoadResult;
    try {
      pipeline = await timeDrawn(app, options.history, options.progress);
      options.progress(`embedded with DATA_DIR: ${pipeline.eventsPerSecond} events/s; latency at ${options.latency.rate} events/s`);
      latency = await pushThroughCollector(app, latencyLoad(options.latency), 'latency-data-dir', options.progress);
    } finally {
      await app.stop();
    }
    return { pipeline, latency, diskBytes: bytesOnDisk(dir) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
