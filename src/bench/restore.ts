import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApp } from '../app.js';
import type { Topics } from '../config.js';
import { topicBytesOnDisk } from '../log/memory-store.js';
import type { ModelDigest } from '../model/types.js';
import { encodeEvents, timePipeline } from './embedded-pipeline.js';
import { inProcessEngine, startBenchApp } from './engine-app.js';
import { BenchTimeout } from './errors.js';
import { appTarget } from './event-target.js';
import { perSecond, sleep } from './stats.js';
import { historyPerUser } from './workload.js';

const STORES = ['user', 'item'] as const;
type Store = (typeof STORES)[number];
const POLL_MS = 10;
const TIMEOUT_MS = 1_800_000;

export interface RestoreResult {
  /** Users and items the engine held (its digest) when it stopped. */
  users: number;
  items: number;
  events: number;
  /** The two store topics' files under DATA_DIR after the clean stop: what a restart reads. */
  storeBytes: number;
  /** Bytes the stores wrote while the events were learnt and at the stop (recstream_state_commit_bytes_total). */
  writtenBytes: number;
  /** writtenBytes ÷ events. */
  bytesPerEvent: number;
  /** Per store: bytes written, and bytes on disk after the stop. */
  byStore: Record<Store, { writtenBytes: number; diskBytes: number }>;
  /** From starting the second engine on the same DATA_DIR until it was ready and settled. */
  restoreSeconds: number;
  /** Of those, the restart's partition restores per store (sum of recstream_restore_seconds). */
  partitionSeconds: Record<Store, number>;
  /** users ÷ restoreSeconds. */
  usersPerSecond: number;
  /** The restarted engine's digest equals the one taken before the stop. */
  digestEqual: boolean;
  before: ModelDigest;
  after: ModelDigest;
}

/**
 * Restore: an engine on a fresh DATA_DIR learns a history of `users` users, settles and stops
 * cleanly (its stores write what changed since their last commit); a second engine on the same
 * directory is timed until it is ready and settled, and its digest compared with the first's.
 */
export async function benchRestore(options: {
  users: number;
  eventsPerUser: number;
  items: number;
  progress: (line: string) => void;
}): Promise<RestoreResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'recstream-bench-restore-'));
  const env = { DATA_DIR: dataDir, AUTH_SECRET: `bench-secret-${process.pid}-${Date.now()}` };
  try {
    // the first engine, its history and records are out of reach before the restart, timed in this heap
    const { events, before, written, topics } = await learnAndStop(env, options);
    const disk: Record<Store, number> = {
      user: topicBytesOnDisk(dataDir, topics.userState),
      item: topicBytesOnDisk(dataDir, topics.itemState),
    };

    options.progress(`restore: a second engine on the same DATA_DIR (${mib(disk.user + disk.item)} of store topics)`);
    const started = performance.now();
    const second = await startBenchApp(env);
    let after: ModelDigest;
    let restoreSeconds: number;
    let partitionSeconds: Record<Store, number>;
    try {
      await readyAndSettled(second, TIMEOUT_MS);
      restoreSeconds = (performance.now() - started) / 1000;
      after = second.engine.digest();
      partitionSeconds = await restoreSecondsByStore(second);
    } finally {
      await second.stop();
    }
    const writtenBytes = written.user + written.item;
    return {
      users: before.users,
      items: before.items,
      events,
      storeBytes: disk.user + disk.item,
      writtenBytes,
      bytesPerEvent: Math.round(writtenBytes / Math.max(1, events)),
      byStore: {
        user: { writtenBytes: written.user, diskBytes: disk.user },
        item: { writtenBytes: written.item, diskBytes: disk.item },
      },
      restoreSeconds: Math.round(restoreSeconds * 1000) / 1000,
      partitionSeconds,
      usersPerSecond: perSecond(before.users, restoreSeconds * 1000),
      digestEqual: JSON.stringify(after) === JSON.stringify(before),
      before,
      after,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The first engine: learns the history until it is applied on both sides, takes the digest and
 * stops; the bytes its stores wrote are read after the stop, whose last commit is part of their cost.
 */
async function learnAndStop(
  env: Record<string, string>,
  options: { users: number; eventsPerUser: number; items: number; progress: (line: string) => void },
): Promise<{ events: number; before: ModelDigest; written: Record<Store, number>; topics: Topics }> {
  const app = await startBenchApp(env);
  let events: number;
  let before: ModelDigest;
  try {
    const history = historyPerUser({
      seed: 'restore',
      users: options.users,
      eventsPerUser: options.eventsPerUser,
      items: options.items,
      idPrefix: 'restore-',
    });
    options.progress(`restore: ${history.length} events of ${options.users} users through the embedded log with DATA_DIR`);
    const records = await encodeEvents(appTarget(app), history);
    events = records.length;
    await timePipeline([inProcessEngine(app)], records, (chunk) => app.log.produce(chunk), {
      timeoutMs: TIMEOUT_MS,
      settled: () => app.engine.settled(),
    });
    before = app.engine.digest();
  } finally {
    await app.stop();
  }
  return { events, before, written: await commitBytes(app), topics: app.engine.config.topics };
}

async function readyAndSettled(app: RunningApp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const readiness = app.engine.readiness();
    if (readiness.ready && (await app.engine.settled())) return;
    if (Date.now() > deadline)
      throw new BenchTimeout(`the restarted engine was not ready and settled within ${timeoutMs} ms (${readiness.reason ?? 'ready'})`);
    await sleep(POLL_MS);
  }
}

async function commitBytes(app: RunningApp): Promise<Record<Store, number>> {
  const { values } = await app.engine.metrics.stateCommitBytesTotal.get();
  const bytes: Record<Store, number> = { user: 0, item: 0 };
  for (const v of values) {
    const store = v.labels.store;
    if (store === 'user' || store === 'item') bytes[store] += v.value;
  }
  return bytes;
}

async function restoreSecondsByStore(app: RunningApp): Promise<Record<Store, number>> {
  const { values } = await app.engine.metrics.restoreSeconds.get();
  const seconds: Record<Store, number> = { user: 0, item: 0 };
  for (const v of values) {
    const store = v.labels.store;
    if (v.metricName?.endsWith('_sum') === true && (store === 'user' || store === 'item')) seconds[store] += v.value;
  }
  return { user: Math.round(seconds.user * 1000) / 1000, item: Math.round(seconds.item * 1000) / 1000 };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
