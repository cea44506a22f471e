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

describe('recstream bench --quick --json', () => {
  it('prints one JSON object with every figure of the contract, measured on the embedded log, the mock Kafka cluster and live WebSocket clients', async () => {
    const out = capture();
    const err = capture();
    // the mock cluster, not whatever cluster the environment may name
    const code = await runBench(['--quick', '--json'], { stdout: out.stream, stderr: err.stream, env: {} });
    expect(code).toBe(0);
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
      kafka.pipelineEventsPerSecond,
      kafka.rawConsumeEventsPerSecond,
      memory.bytesPerUser,
      memory.bytesPerItem,
    ]) {
      expect(positive(x), JSON.stringify(report)).toBe(true);
    }
    for (const run of [latency.embedded!, latency.kafka!, websocket]) {
      expect(positive(run.rate)).toBe(true);
      expect(positive(run.p50Ms) || run.p50Ms === 0).toBe(true);
      expect(positive(run.p99Ms)).toBe(true);
      expect(run.p99Ms as number).toBeGreaterThanOrEqual(run.p50Ms as number);
      expect(positive(run.expected)).toBe(true);
      // every watched user received the list of its last event
      expect(run.delivered).toBe(run.expected);
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
      const l = row.latency;
      expect(positive(l.rate)).toBe(true);
      expect(positive(l.p50Ms) || l.p50Ms === 0).toBe(true);
      expect(positive(l.p99Ms)).toBe(true);
      expect(l.p99Ms as number).toBeGreaterThanOrEqual(l.p50Ms as number);
      expect(positive(l.expected)).toBe(true);
      expect(l.delivered).toBe(l.expected);
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

    const human = formatReport(report as unknown as BenchReport);
    expect(human).toMatch(/kafka pipeline, 1 process +[\d,]+ ev\/s/);
    expect(human).toMatch(/kafka pipeline, 2 processes +[\d,]+ ev\/s/);
    expect(human).toMatch(/latency kafka p50 \/ p99, 2 processes +[\d.]+ \/ [\d.]+ ms/);
    expect(human).toMatch(/restore \(restart on the same DATA_DIR\) +[\d.]+ s .*digest equal/);
    expect(human).toMatch(/state stores written per event +[\d,]+ B/);
  }, 300_000);
});
