import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../src/bench/report.js';
import { QUICK_SIZES } from '../../src/bench/sizes.js';
import type { BenchReport } from '../../src/bench/suite.js';
import { runBench } from '../../src/commands/bench.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** A run's item deltas: some were sent, and the item owners took every one (applied, or as a duplicate). */
function expectEveryDeltaTaken(counts: unknown, where: string): void {
  const d = counts as { sent: number; applied: number; duplicate: number; unapplied: number };
  expect(positive(d.sent), where).toBe(true);
  expect(d.applied + d.duplicate, where).toBeGreaterThanOrEqual(d.sent);
  expect(d.unapplied, where).toBe(0);
}

/** A run's samples by second: every sample in one second of the run, in order, the run's worst among them. */
function expectBySecond(run: Record<string, unknown>): void {
  const seconds = run.bySecond as Array<{ second: number; events: number; p50Ms: number; p99Ms: number; maxMs: number }>;
  expect(seconds.length).toBeGreaterThan(0);
  expect(seconds.reduce((sum, s) => sum + s.events, 0)).toBe(run.framesForEvents);
  expect(seconds.map((s) => s.second)).toEqual([...seconds.map((s) => s.second)].sort((a, b) => a - b));
  for (const s of seconds) {
    expect(s.second).toBeLessThanOrEqual(run.seconds as number);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
  }
  expect(Math.max(...seconds.map((s) => s.maxMs))).toBe(run.maxMs);
}

/** The names of the functions on the stacks a `.cpuprofile` sampled (its call tree holds only those). */
function sampledFunctions(file: string): Set<string> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Array<{ callFrame: { functionName: string } }>; samples: number[] };
  expect(profile.samples.length).toBeGreaterThan(0);
  return new Set(profile.nodes.map((n) => n.callFrame.functionName));
}

describe('recstream bench --quick --json', () => {
  it('prints one JSON object with every figure of the contract, measured on the embedded log, the mock Kafka cluster and live WebSocket clients', async () => {
    const out = capture();
    const err = capture();
    const profiles = path.join(mkdtempSync(path.join(os.tmpdir(), 'recstream-bench-')), 'profiles');
    // the mock cluster, not whatever cluster the environment may name
    const code = await runBench(['--quick', '--json', '--profile', profiles], { stdout: out.stream, stderr: err.stream, env: {} });
    expect(code, err.text().slice(-4000)).toBe(0);
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
    expect(err.text()).toContain('[bench');

    const embedded = report.embedded!;
    const kafka = report.kafka!;
    const latency = report.latency as Record<string, Record<string, unknown>>;
    const websocket = report.websocket!;
    const memory = report.memory!;
    for (const x of [
      embedded.learnOnlyEventsPerSecond,
      embedded.pipelineEventsPerSecond,
      embedded.dataDirPipelineEventsPerSecond,
      embedded.dataDirDiskBytes,
      kafka.pipelineEventsPerSecond,
      kafka.rawConsumeEventsPerSecond,
      memory.bytesPerUser,
      memory.bytesPerItem,
    ]) {
      expect(positive(x), JSON.stringify(report)).toBe(true);
    }
    for (const run of [latency.embedded!, latency.embeddedDataDir!, latency.kafka!, websocket]) {
      expect(positive(run.rate)).toBe(true);
      expect(positive(run.p50Ms) || run.p50Ms === 0).toBe(true);
      expect(positive(run.p99Ms)).toBe(true);
      expect(run.p99Ms as number).toBeGreaterThanOrEqual(run.p50Ms as number);
      expect(positive(run.expected)).toBe(true);
      // every watched user received the list of its last event
      expect(run.delivered).toBe(run.expected);
      expectBySecond(run);
      // counted in the engines' processes (the bench's own, or scraped): none or some, never missing
      expect(Number.isInteger(run.engineFullCollections) && (run.engineFullCollections as number) >= 0).toBe(true);
    }
    expect(positive(websocket.clients)).toBe(true);
    expect(websocket.expected).toBe(websocket.clients);
    const machine = report.machine!;
    expect(typeof machine.cpu).toBe('string');
    expect(positive(machine.cores)).toBe(true);
    expect(positive(machine.memoryBytes)).toBe(true);
    expect(machine.node).toBe(process.version);

    // The engine on Kafka with 1 and with 2 processes of one consumer group: the second a separate
    // OS process that took its share of the input partitions and served its share of the clients.
    const rows = kafka.processes as Array<Record<string, unknown> & { latency: Record<string, unknown>; eventsPerProcess: number[] }>;
    expect(rows.map((r) => r.processes)).toEqual([1, 2]);
    for (const row of rows) {
      expect(positive(row.pipelineEventsPerSecond), JSON.stringify(row)).toBe(true);
      // the inputs are handled before every event is applied (the item side follows them)
      expect(row.handledEventsPerSecond as number).toBeGreaterThanOrEqual(row.pipelineEventsPerSecond as number);
      expect(positive(row.pipelineToOneProcess)).toBe(true);
      expect(row.eventsPerProcess).toHaveLength(row.processes as number);
      for (const handled of row.eventsPerProcess) expect(positive(handled), JSON.stringify(row)).toBe(true);
      expect(row.eventsPerProcess.reduce((a, b) => a + b, 0)).toBe(kafka.events);
      expectEveryDeltaTaken(row.itemDeltas, JSON.stringify(row));
      // each engine process's CPU over the throughput run: it worked, and no process is counted twice
      const cores = row.engineCores as number[];
      expect(cores, JSON.stringify(row)).toHaveLength(row.processes as number);
      for (const c of cores) expect(c > 0.05 && c < 4, JSON.stringify(row)).toBe(true);
      const l = row.latency;
      expect(positive(l.rate)).toBe(true);
      expect(positive(l.p50Ms) || l.p50Ms === 0).toBe(true);
      expect(positive(l.p99Ms)).toBe(true);
      expect(l.p99Ms as number).toBeGreaterThanOrEqual(l.p50Ms as number);
      expect(positive(l.expected)).toBe(true);
      expect(l.delivered).toBe(l.expected);
      expectBySecond(l);
    }
    // the contract's fields are the 1-process run
    expect(rows[0]!.pipelineEventsPerSecond).toBe(kafka.pipelineEventsPerSecond);
    expect(rows[0]!.latency).toEqual(latency.kafka);

    // A restart on the same DATA_DIR restores what the stores wrote: the same state, counted and timed.
    const restore = report.restore!;
    for (const x of [
      restore.users,
      restore.items,
      restore.events,
      restore.storeBytes,
      restore.bytesPerEvent,
      restore.restoreSeconds,
      restore.usersPerSecond,
    ]) {
      expect(positive(x), JSON.stringify(restore)).toBe(true);
    }
    // every user of the history is held, restored and counted
    expect(restore.users).toBe(QUICK_SIZES.restore.users);
    expect(restore.events).toBe(QUICK_SIZES.restore.users * QUICK_SIZES.restore.eventsPerUser);
    expect(restore.digestEqual, JSON.stringify(restore)).toBe(true);
    expect(restore.after).toEqual(restore.before);
    expect((restore.before as Record<string, unknown>).eventsApplied).toBe(restore.events);
    expect(restore.bytesPerEvent).toBe(Math.round((restore.writtenBytes as number) / (restore.events as number)));

    // Memory is what V8 holds after forced collections, typed arrays' buffers included, of two models
    // built to an exact shape; the estimate is cross-checked on both and 1M users are extrapolated.
    type Size = {
      users: number;
      items: number;
      shape: Record<string, number>;
      held: { heapUsed: number; arrayBuffers: number; external: number; total: number };
      userBytes: number;
      itemBytes: number;
      approxBytes: number;
      heldToApproxRatio: number;
      approxAgrees: boolean;
    };
    const sizes = memory.sizes as Size[];
    expect(sizes).toHaveLength(2);
    expect(sizes[1]!.users).toBeGreaterThan(sizes[0]!.users);
    expect(sizes[1]!.items).toBeGreaterThan(sizes[0]!.items);
    for (const size of sizes) {
      // every user holds 20 distinct items, every item 50 neighbours and 200 co-occurrence counters
      expect(size.shape.historyItemsPerUser, JSON.stringify(size)).toBe(20);
      expect(size.shape.neighborsPerItem, JSON.stringify(size)).toBe(50);
      expect(size.shape.countersPerItem, JSON.stringify(size)).toBe(200);
      // the counters live in typed arrays: their buffers are outside the JS heap and are counted
      expect(positive(size.held.arrayBuffers), JSON.stringify(size)).toBe(true);
      expect(size.held.external).toBeGreaterThanOrEqual(size.held.arrayBuffers);
      expect(size.held.total).toBe(size.held.heapUsed + size.held.external);
      expect(size.userBytes + size.itemBytes).toBe(size.held.total);
      expect(positive(size.userBytes) && positive(size.itemBytes), JSON.stringify(size)).toBe(true);
      expect(size.heldToApproxRatio).toBeCloseTo(size.held.total / size.approxBytes, 2);
      expect(size.approxAgrees).toBe(Math.abs(size.held.total / size.approxBytes - 1) <= 0.25);
    }
    const larger = sizes[1]!;
    expect(memory.bytesPerUser).toBe(Math.round(larger.userBytes / larger.users));
    expect(memory.bytesPerItem).toBe(Math.round(larger.itemBytes / larger.items));
    expect(memory.approxAgrees).toBe(sizes.every((s) => s.approxAgrees));
    const extrapolated = memory.extrapolated as Record<string, number>;
    expect(extrapolated.users).toBe(1_000_000);
    expect(extrapolated.items).toBe(50_000);
    // user and item bytes each on the line through the two measured sizes
    const onLine = (x: number, x0: number, y0: number, x1: number, y1: number): number => y0 + ((y1 - y0) / (x1 - x0)) * (x - x0);
    const [a, b] = sizes as [Size, Size];
    expect(extrapolated.userBytes).toBe(Math.round(onLine(1_000_000, a.users, a.userBytes, b.users, b.userBytes)));
    expect(extrapolated.itemBytes).toBe(Math.round(onLine(50_000, a.items, a.itemBytes, b.items, b.itemBytes)));
    expect(extrapolated.totalBytes).toBe(extrapolated.userBytes! + extrapolated.itemBytes!);
    expect(positive(extrapolated.totalBytes)).toBe(true);

    // the throughput history is drawn from the sized population, and says how much of it it touched
    const workload = report.workload as Record<string, number>;
    expect(workload.users).toBe(QUICK_SIZES.throughputUsers);
    expect(workload.items).toBe(QUICK_SIZES.throughputItems);
    expect(workload.events).toBe((embedded.learnOnly as Record<string, number>).events);
    expect(workload.usersWithEvents).toBeGreaterThan(0);
    expect(workload.usersWithEvents).toBeLessThanOrEqual(workload.users!);
    expect(workload.itemsWithEvents).toBeGreaterThan(0);
    expect(workload.itemsWithEvents).toBeLessThanOrEqual(workload.items!);

    // on Kafka the outside producer lingers 5 ms, as a real one would; the collector posts at once
    expect(latency.kafka!.lingerMs).toBe(5);
    for (const row of rows) expect(row.latency.lingerMs).toBe(5);
    expect(latency.embedded!.lingerMs).toBe(0);

    expectEveryDeltaTaken((embedded.pipeline as Record<string, unknown>).itemDeltas, 'embedded pipeline');
    expectEveryDeltaTaken((embedded.dataDirPipeline as Record<string, unknown>).itemDeltas, 'embedded pipeline with DATA_DIR');
    expect(latency.embeddedDataDir!.lingerMs).toBe(0);
    const embeddedCores = (embedded.pipeline as { engineCores: number[] }).engineCores;
    expect(embeddedCores).toHaveLength(1);
    expect(embeddedCores[0]! > 0.05).toBe(true);

    const human = formatReport(report as unknown as BenchReport);
    expect(human).not.toContain('NOT THE WHOLE ENGINE');
    // a run whose item owners never took some deltas says so beside its throughput
    const lossy = structuredClone(report) as unknown as BenchReport;
    lossy.kafka.processes[0]!.itemDeltas = { sent: 3190, applied: 2050, duplicate: 0, unapplied: 1140 };
    expect(formatReport(lossy)).toMatch(/kafka pipeline, 1 process .*NOT THE WHOLE ENGINE: 1,140 of 3,190 item deltas never applied/);
    expect(human).toMatch(/memory per user +[\d,]+ B .*20-item histories/);
    expect(human).toMatch(/memory per item +[\d,]+ B .*50 neighbours, 200 counters/);
    expect(human).toMatch(/model held vs stats\(\)\.approxBytes, [\d,]+ users +[\d.]+ × .*(within|NOT within) ±25 %/);
    expect(human).toMatch(/heap of 1,000,000 users and 50,000 items +[\d.]+ GiB +EXTRAPOLATED, not measured/);
    expect(human).toMatch(/latency kafka p50 \/ p99, 1 process .*lingering 5 ms.*; full collections \d+/);
    expect(human).toMatch(/kafka pipeline, 1 process +[\d,]+ ev\/s/);
    expect(human).toMatch(/kafka pipeline, 2 processes +[\d,]+ ev\/s/);
    expect(human).toMatch(/latency kafka p50 \/ p99, 2 processes +[\d.]+ \/ [\d.]+ ms/);
    expect(human).toMatch(/restore \(restart on the same DATA_DIR\) +[\d.]+ s .*digest equal/);
    expect(human).toMatch(/state stores written per event +[\d,]+ B/);
    expect(human).toMatch(/embedded pipeline with DATA_DIR +[\d,]+ ev\/s .*[\d.]+ MiB on disk/);
    expect(human).toMatch(/latency embedded with DATA_DIR p50 \/ p99 +[\d.]+ \/ [\d.]+ ms/);

    // --profile: the engine's CPU while it worked, embedded (this process during the push run) and in
    // each engine process on Kafka; each profile holds the engine's batch handling
    expect(readdirSync(profiles).sort()).toEqual([
      'embedded-push.cpuprofile',
      'kafka-1p-engine-1.cpuprofile',
      'kafka-2p-engine-1.cpuprofile',
      'kafka-2p-engine-2.cpuprofile',
    ]);
    for (const file of readdirSync(profiles)) expect(sampledFunctions(path.join(profiles, file)), file).toContain('handleBatch');
  }, 300_000);

  it('refuses a --profile it cannot make a directory of, before measuring anything', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'recstream-bench-')), 'a-file');
    writeFileSync(file, '');
    const err = capture();
    const code = await runBench(['--quick', '--profile', path.join(file, 'profiles')], {
      stdout: capture().stream,
      stderr: err.stream,
      env: {},
    });
    expect(code).toBe(2);
    expect(err.text()).toContain('--profile');
    expect(err.text()).toContain('cannot make the directory');
    expect(err.text()).not.toContain('[bench');
  });

  it('refuses a --profile under procfs instead of hanging in the making of it', async () => {
    const err = capture();
    const code = await runBench(['--quick', '--profile', '/proc/recstream-bench-profiles'], {
      stdout: capture().stream,
      stderr: err.stream,
      env: {},
    });
    expect(code).toBe(2);
    expect(err.text()).toContain('--profile /proc/recstream-bench-profiles: cannot make the directory (ENOENT');
    expect(err.text()).not.toContain('[bench');
  }, 10_000);
});
