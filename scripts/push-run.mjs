// The bench's embedded push run alone, for profiling its tail: the embedded pipeline over the bench's
// full-size history (so the engine holds a shop's state), then its latency run through the collector
// (2,000 events/s over 2,000 WebSocket clients for 10 s), with the bench's own functions
// (src/bench/embedded-run.ts). Prints the pipeline's events/s, the push's p50 / p99 (and by second),
// the engine's CPU seconds over the push, every turn of the event loop longer than 60 ms during it,
// and when V8's full collections fell (ms into the push: the seconds they fall in are its worst).
// Run after `npm run build`:
//   node --max-semi-space-size=64 scripts/push-run.mjs [--data-dir] [--profile FILE] [--root DIR] [--seconds N]
// --data-dir: the engine on a fresh temporary DATA_DIR; --profile: a CPU profile of the push to FILE;
// --root: the built tree to load (another checkout's, for alternated comparisons; one with
// src/bench/embedded-run.ts); --seconds: a push this long instead of the bench's 10 s (a full
// collection comes every 5–10 s: a minute's p99 says more than one window's). Add --trace-gc to
// node's flags to see the collector's part.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'boolean' }, profile: { type: 'string' }, root: { type: 'string' }, seconds: { type: 'string' } },
});
const root = resolve(values.root ?? join(import.meta.dirname, '..'));
const load = (path) => import(join(root, 'dist', path));
// as every recstream command does at start (a tree from before src/heap-tuning.ts has none)
(await load('heap-tuning.js').catch(() => null))?.tuneHeap();
const { syntheticHistory } = await load('bench/workload.js');
const { FULL_SIZES: sizes } = await load('bench/sizes.js');
const { latencyLoad, pushThroughCollector, startEmbedded, timeEmbedded } = await load('bench/embedded-run.js');

const dataDir = values['data-dir'] ? mkdtempSync(join(tmpdir(), 'recstream-push-run-')) : null;
const app = await startEmbedded(dataDir ? { DATA_DIR: dataDir } : {});
try {
  const pipeline = await timeEmbedded(
    app,
    syntheticHistory({
      seed: 'throughput',
      users: sizes.throughputUsers,
      items: sizes.throughputItems,
      events: sizes.throughputEvents,
      idPrefix: 'bench-',
    }),
  );

  let session = null;
  if (values.profile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const longTurns = [];
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    if (now - last > 60) longTurns.push(Math.round(now - last));
    last = now;
  }, 1);
  const pushStarted = performance.now();
  const fullCollections = [];
  const collections = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullCollections.push(Math.round(entry.startTime - pushStarted));
    }
  });
  collections.observe({ entryTypes: ['gc'] });
  const pushLoad = latencyLoad(sizes.latency);
  if (values.seconds !== undefined) pushLoad.seconds = Number(values.seconds);
  const cpuBefore = process.cpuUsage();
  const push = await pushThroughCollector(app, pushLoad, 'push-run', () => undefined);
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(ticker);
  collections.disconnect();
  if (session !== null) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(values.profile, JSON.stringify(profile));
  }
  console.log(
    JSON.stringify({
      dataDir: dataDir !== null,
      pipelineEventsPerSecond: pipeline.eventsPerSecond,
      p50Ms: push.p50Ms,
      p99Ms: push.p99Ms,
      p99MsBySecond: push.bySecond.map((s) => Math.round(s.p99Ms)),
      delivered: `${push.delivered}/${push.expected}`,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      // the clients' connecting and closing count too: the first and last of these are usually theirs
      turnsOver60Ms: longTurns,
      // from the clients' connecting on: the push's seconds start ~1 s later
      fullCollectionsAtMs: fullCollections,
    }),
  );
} finally {
  await app.stop();
  if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
}
