import { type RunningApp, startRecstream } from '../app.js';
import { loadConfig } from '../config.js';
import { silentLogger } from '../logger.js';
import { type BenchEngine, GC_DURATION, type ItemDeltaCounts, itemDeltaCounts } from './bench-engine.js';
import type { Buckets } from './histogram.js';

/** A whole recstream process inside the bench process: loopback, free port, silent logs. */
export async function startBenchApp(env: Record<string, string> = {}): Promise<RunningApp> {
  return startRecstream(loadConfig(benchEnv(env)), { logger: silentLogger() });
}

/** The whole environment of an engine the bench starts, in its own process or in another. */
export function benchEnv(env: Record<string, string> = {}): Record<string, string> {
  // No collector rate limit and no connection cap per address: the load tests post ~100 requests/s
  // and open hundreds of WebSockets, all from one loopback address.
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    HTTP_MAX_CONNECTIONS_PER_IP: '0',
    ...env,
  };
}

/** An engine in the bench's own process, read from its metric registry (cheap to poll, no HTTP). */
export function inProcessEngine(app: RunningApp): BenchEngine {
  return {
    url: app.url,
    authSecret: app.engine.config.authSecret,
    pollMs: 2,
    progress: async () => ({
      recordsHandled: await recordsHandled(app),
      itemDeltas: await itemDeltas(app),
      stateBytesWritten: (await app.engine.metrics.stateCommitBytesTotal.get()).values.reduce((sum, v) => sum + v.value, 0),
    }),
    pushSnapshot: async () => ({
      buckets: await pushHistogram(app),
      cpuSeconds: cpuSeconds(),
      fullCollections: await fullCollections(app),
      at: performance.now(),
    }),
  };
}

/**
 * Input records the engine has handled (applied, duplicate or dead-lettered), from its own counter:
 * cheap to poll, unlike the digest, which hashes the whole model.
 */
async function recordsHandled(app: RunningApp): Promise<number> {
  const { values } = await app.engine.metrics.eventsTotal.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function itemDeltas(app: RunningApp): Promise<ItemDeltaCounts> {
  const { values } = await app.engine.metrics.itemDeltasTotal.get();
  return itemDeltaCounts(values.map((v) => ({ outcome: v.labels.outcome as string | undefined, value: v.value })));
}

/** CPU this process has used, as process_cpu_seconds_total counts it. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * V8's full collections in this process so far, from the engine's nodejs_gc_duration_seconds; null
 * without default metrics.
 */
async function fullCollections(app: RunningApp): Promise<number | null> {
  const metric = app.engine.metrics.registry.getSingleMetric(GC_DURATION);
  if (metric === undefined) return null;
  const { values } = await metric.get();
  let count = 0;
  // a histogram's values carry their series' name (_bucket, _sum, _count)
  for (const v of values as Array<{ metricName?: string; labels: { kind?: unknown }; value: number }>)
    if (v.metricName === `${GC_DURATION}_count` && v.labels.kind === 'major') count = v.value;
  return count;
}

/** Cumulative bucket counts of the server's event → push histogram, to diff around a run. */
async function pushHistogram(app: RunningApp): Promise<Buckets> {
  const { values } = await app.engine.metrics.eventToPushSeconds.get();
  const buckets: Buckets = new Map();
  for (const v of values) {
    if (v.metricName?.endsWith('_bucket') !== true) continue;
    const le = v.labels.le;
    buckets.set(le === '+Inf' || le === undefined ? Infinity : Number(le), v.value);
  }
  return buckets;
}
