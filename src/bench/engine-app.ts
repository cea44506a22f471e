import { type RunningApp, startRecstream } from '../app.js';
import { type Config, loadConfig } from '../config.js';
import { silentLogger } from '../logger.js';

/** A whole recstream process inside the bench process: loopback, free port, silent logs. */
export async function startBenchApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const config = benchConfig(env);
  return startRecstream(config, { logger: silentLogger() });
}

function benchConfig(env: Record<string, string> = {}): Config {
  // No collector rate limit and no connection cap per address: the load tests post ~100 requests/s
  // and open hundreds of WebSockets, all from one loopback address.
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    HTTP_MAX_CONNECTIONS_PER_IP: '0',
    ...env,
  });
}

/**
 * Input records the engine has handled (applied, duplicate or dead-lettered), from its own counter:
 * cheap to poll, unlike the digest, which hashes the whole model.
 */
export async function recordsHandled(app: RunningApp): Promise<number> {
  const { values } = await app.engine.metrics.eventsTotal.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Cumulative bucket counts of the server's event → push histogram, to diff around a run. */
export async function pushHistogram(app: RunningApp): Promise<Map<number, number>> {
  const { values } = await app.engine.metrics.eventToPushSeconds.get();
  const buckets = new Map<number, number>();
  for (const v of values) {
    if (v.metricName?.endsWith('_bucket') !== true) continue;
    const le = v.labels.le;
    buckets.set(le === '+Inf' || le === undefined ? Infinity : Number(le), v.value);
  }
  return buckets;
}

/** Prometheus-style quantile (linear inside the bucket) of the observations between two snapshots, in ms. */
export function histogramQuantileMs(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i]!;
    const count = counts[i]!;
    if (count >= rank) {
      if (upper === Infinity) return Math.round(lowerBound * 1000);
      const inBucket = count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return Math.round((lowerBound + (upper - lowerBound) * fraction) * 10_000) / 10;
    }
    lowerBound = upper;
    lowerCount = count;
  }
  return null;
}
