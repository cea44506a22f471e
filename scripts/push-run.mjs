// The bench's embedded push run alone, for profiling its tail: the embedded pipeline over the bench's
// full-size history (so the engine holds a shop's state), then 2,000 events/s over 2,000 WebSocket
// clients for 10 s through the collector, as `recstream bench` does. Prints the pipeline's events/s,
// the push's p50 / p99, the engine's CPU seconds over the push, and every turn of the event loop
// longer than 60 ms during it. Run after `npm run build`:
//   node --max-semi-space-size=64 scripts/push-run.mjs [--data-dir] [--profile FILE] [--root DIR]
// --data-dir: the engine on a fresh temporary DATA_DIR; --profile: a CPU profile of the push to FILE;
// --root: the built tree to load (another checkout's, for alternated comparisons). Add --trace-gc to
// node's flags to see the collector's part.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'boolean' }, profile: { type: 'string' }, root: { type: 'string' } },
});
const root = resolve(values.root ?? join(import.meta.dirname, '..'));
const load = (path) => import(join(root, 'dist', path));
const { syntheticHistory } = await load('bench/workload.js');
const { startBenchApp, inProcessEngine } = await load('bench/engine-app.js');
const { encodeEvents, timePipeline } = await load('bench/embedded-pipeline.js');
const { appTarget } = await load('bench/event-target.js');
const { runPushLoadInChild } = await load('bench/push-load-process.js');

const dataDir = values['data-dir'] ? mkdtempSync(join(tmpdir(), 'recstream-push-run-')) : null;
const app = await startBenchApp({ AUTH_SECRET: `push-run-${process.pid}-${Date.now()}`, ...(dataDir ? { DATA_DIR: dataDir } : {}) });
try {
  // in a function of its own: the history and its records are out of reach during the push
  const pipeline = await (async () => {
    const history = syntheticHistory({ seed: 'throughput', users: 100_000, items: 20_000, events: 200_000, idPrefix: 'bench-' });
    const records = await encodeEvents(appTarget(app), history);
    return timePipeline([inProcessEngine(app)], records, (chunk) => app.log.produce(chunk), {
      timeoutMs: 900_000,
      settled: () => app.engine.settled(),
    });
  })();
  for (let waited = 0; waited < 60_000 && !app.engine.stateWritten(); waited += 100) await new Promise((r) => setTimeout(r, 100));

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
  const cpuBefore = process.cpuUsage();
  const push = await runPushLoadInChild({
    engines: [{ url: app.url, authSecret: app.engine.config.authSecret }],
    options: { clients: 2_000, rate: 2_000, seconds: 10, via: 'POST /v1/events', runId: 'push-run' },
  });
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(ticker);
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
    }),
  );
} finally {
  await app.stop();
  if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
}
