import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import type { LogRecord, PartitionBatch, TopicPartition } from '../../src/log/types.js';
import { describeEventLogConformance } from './conformance.js';

describeEventLogConformance('memory', async () => {
  const log = new MemoryLog({ partitions: 4 });
  return {
    log,
    createTopic: (topic, partitions) => log.ensureTopics([{ topic, partitions }]),
    teardown: () => log.close(),
  };
});

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function readAll(log: MemoryLog, tp: TopicPartition): Promise<LogRecord[]> {
  const { high } = await log.offsets(tp);
  const out: LogRecord[] = [];
  await log.readRange(tp, '0', high, (records) => {
    out.push(...records);
  });
  return out;
}

describe('MemoryLog', () => {
  const dirs: string[] = [];
  const logs: MemoryLog[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'recstream-log-'));
    dirs.push(dir);
    return dir;
  };
  const open = (options: ConstructorParameters<typeof MemoryLog>[0]) => {
    const log = new MemoryLog(options);
    logs.push(log);
    return log;
  };

  afterEach(async () => {
    await Promise.all(logs.splice(0).map((l) => l.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates topics on demand with the default partition count and stamps records with the clock', async () => {
    let t = 1_000;
    const log = open({ partitions: 3, now: () => t });
    await log.produce([{ topic: 'clicks', key: 'u1', value: Buffer.from('a') }]);
    t = 2_000;
    await log.produce([{ topic: 'clicks', key: 'u1', value: Buffer.from('b') }]);
    expect(await log.partitionsFor('clicks')).toBe(3);
    expect(await log.partitionsFor('missing')).toBe(0);
    const records = (await Promise.all([0, 1, 2].map((partition) => readAll(log, { topic: 'clicks', partition })))).flat();
    expect(records.map((r) => [r.offset, r.timestamp])).toEqual([
      ['0', 1_000],
      ['1', 2_000],
    ]);
  });

  it('wakes a waiting consumer when records arrive', async () => {
    const log = open({ partitions: 1 });
    const got = deferred<PartitionBatch>();
    const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async (batch) => got.resolve(batch));
    expect(consumer.assignment()).toEqual([{ topic: 't', partition: 0 }]);
    await log.produce([{ topic: 't', key: 'k', value: Buffer.from('hello') }]);
    const batch = await got.promise;
    expect(batch.records.map((r) => r.value!.toString())).toEqual(['hello']);
    expect(batch.highWatermark).toBe('1');
  });

  it("hands a member that asks, far behind a partition's end, batches of up to four times maxBatch, and maxBatch near it", async () => {
    const log = open({ partitions: 1, maxBatch: 100 });
    const produce = (from: number, count: number) =>
      log.produce(Array.from({ length: count }, (_, i) => ({ topic: 't', key: 'k', value: Buffer.from(`v${from + i}`) })));
    await produce(0, 1_000);
    const sizes: number[] = [];
    let seen = 0;
    const caughtUp = deferred();
    const consumer = log.consumer({ groupId: 'g', topics: ['t'], largerBatchesBehind: true });
    await consumer.run(async (batch) => {
      sizes.push(batch.records.length);
      seen += batch.records.length;
      if (seen === 1_000 || seen === 1_150) caughtUp.resolve();
    });
    await caughtUp.promise;
    // 1,000 and 600 behind: 400; then 200 (not more than two batches): 100 at a time
    expect(sizes).toEqual([400, 400, 100, 100]);
    sizes.length = 0;
    const again = deferred();
    await consumer.stop();
    const second = log.consumer({ groupId: 'g', topics: ['t'], largerBatchesBehind: true });
    await produce(1_000, 150);
    await second.run(async (batch) => {
      sizes.push(batch.records.length);
      seen += batch.records.length;
      if (seen === 1_150) again.resolve();
    });
    await again.promise;
    expect(sizes).toEqual([100, 50]);
    await second.stop();
    // a member that does not ask keeps maxBatch
    const plain = log.consumer({ groupId: 'other', topics: ['t'] });
    const plainSizes: number[] = [];
    const plainDone = deferred();
    await plain.run(async (batch) => {
      plainSizes.push(batch.records.length);
      if (plainSizes.reduce((a, b) => a + b, 0) === 1_150) plainDone.resolve();
    });
    await plainDone.promise;
    expect(plainSizes.every((n) => n <= 100)).toBe(true);
    await plain.stop();
  });

  it('hands over small batches of several partitions within one turn of the event loop, and waits a turn after a slice of work', async () => {
    const log = open({ partitions: 4 });
    const events: string[] = [];
    let batchMs = 0;
    let expected = 4;
    let done = deferred();
    const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async (batch) => {
      // a mark for the next turn of the event loop, set by the first batch of each produce
      if (events.length === 0) setImmediate(() => events.push('turn'));
      const until = performance.now() + batchMs;
      while (performance.now() < until) {
        // a batch that takes batchMs of work
      }
      events.push(`batch ${batch.partition}`);
      if (--expected === 0) setImmediate(() => done.resolve());
    });
    const oneEach = (): Promise<void> =>
      log.produce([0, 1, 2, 3].map((partition) => ({ topic: 't', partition, key: null, value: Buffer.from(`p${partition}`) })));
    await oneEach();
    await done.promise;
    // one produce's records in four partitions: four batches before the event loop turns
    expect(events.slice(0, 4).every((e) => e.startsWith('batch'))).toBe(true);
    expect(events[4]).toBe('turn');

    events.length = 0;
    batchMs = 5;
    expected = 4;
    done = deferred();
    await oneEach();
    await done.promise;
    // batches of 5 ms each: the event loop turns after every one
    expect(events.slice(0, 3)).toEqual([expect.stringMatching(/^batch/), 'turn', expect.stringMatching(/^batch/)]);
    await consumer.stop();
  });

  it('starts at the end when fromBeginning is false and nothing is committed', async () => {
    const log = open({ partitions: 1 });
    await log.produce([{ topic: 't', key: null, value: Buffer.from('old') }]);
    const got = deferred<string[]>();
    const consumer = log.consumer({ groupId: 'g', topics: ['t'], fromBeginning: false });
    await consumer.run(async (batch) => got.resolve(batch.records.map((r) => r.value!.toString())));
    await log.produce([{ topic: 't', key: null, value: Buffer.from('new') }]);
    expect(await got.promise).toEqual(['new']);
  });

  it('revokes only after the batch in hand is handled and committed, then assigns to the newcomer', async () => {
    const log = open({ partitions: 2 });
    const events: string[] = [];
    const inHandler = deferred();
    const release = deferred();
    const a = log.consumer({ groupId: 'g', topics: ['t'] });
    await a.run(
      async (batch) => {
        events.push(`a handles ${batch.partition}`);
        inHandler.resolve();
        await release.promise;
        events.push(`a done ${batch.partition}`);
      },
      {
        onRevoked: (tps) => {
          events.push(`a revoked ${tps.map((tp) => tp.partition).join(',')}`);
        },
      },
    );
    await log.produce([{ topic: 't', key: null, value: Buffer.from('x'), partition: 1 }]);
    await inHandler.promise;

    const b = log.consumer({ groupId: 'g', topics: ['t'] });
    const bJoined = b.run(async () => undefined, {
      onAssigned: async (tps) => {
        const committed = await b.committed(tps);
        events.push(`b assigned ${tps.map((tp) => tp.partition).join(',')} at ${committed.map((c) => c.offset).join(',')}`);
      },
    });
    release.resolve();
    await bJoined;
    expect(events).toEqual(['a handles 1', 'a done 1', 'a revoked 1', 'b assigned 1 at 1']);
    expect(a.assignment()).toEqual([{ topic: 't', partition: 0 }]);
    expect(b.assignment()).toEqual([{ topic: 't', partition: 1 }]);
  });

  it('rebalances a running group when a subscribed topic gains partitions', async () => {
    const log = open({ partitions: 1 });
    const assigned: TopicPartition[][] = [];
    const grown = deferred();
    const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async () => undefined, {
      onAssigned: (tps) => {
        assigned.push(tps);
        if (assigned.length === 2) grown.resolve();
      },
    });
    await log.createPartitions('t', 3);
    await grown.promise;
    expect(assigned[1]).toEqual([
      { topic: 't', partition: 1 },
      { topic: 't', partition: 2 },
    ]);
    expect(consumer.assignment()).toHaveLength(3);
  });

  it.each([
    ['in memory', false],
    ['under a data directory', true],
  ])(
    "hands a consumer group of this process the producer's decoded values of the newest records once, %s, never after a restart",
    async (_, onDisk) => {
      const dataDir = onDisk ? tempDir() : undefined;
      const log = open({ partitions: 1, dataDir });
      const tp = { topic: 't', partition: 0 };
      const produced = Array.from({ length: 8200 }, (_, i) => ({ n: i }));
      for (let at = 0; at < produced.length; at += 500) {
        await log.produce(
          produced.slice(at, at + 500).map((d) => ({ topic: 't', key: `k${d.n}`, value: Buffer.from(String(d.n)), decoded: d })),
        );
      }
      await log.produce([{ topic: 't', key: 'plain', value: Buffer.from('x') }]);
      const got = deferred();
      const seen: Array<{ value: string; decoded: unknown }> = [];
      const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
      await consumer.run(async (batch) => {
        for (const r of batch.records) seen.push({ value: r.value!.toString(), decoded: r.decoded });
        if (seen.length === produced.length + 1) got.resolve();
      });
      await got.promise;
      // the same objects, for the newest records only (bounded), and none for a record produced without
      const handed = seen.filter((r) => r.decoded !== undefined);
      expect(handed.length).toBeGreaterThan(1000);
      expect(handed.length).toBeLessThan(produced.length);
      expect(handed.every((r) => r.decoded === produced[Number(r.value)])).toBe(true);
      expect(handed.at(-1)!.value).toBe(String(produced.length - 1));
      expect(seen.at(-1)!.decoded).toBeUndefined();
      expect(seen.map((r) => r.value)).toEqual([...produced.map((d) => String(d.n)), 'x']);
      // handled by the group: the log lets go of them
      expect((await readAll(log, tp)).every((r) => r.decoded === undefined)).toBe(true);
      if (dataDir === undefined) return;
      await log.close();
      const reopened = open({ partitions: 1, dataDir });
      const after = await readAll(reopened, tp);
      expect(after).toHaveLength(produced.length + 1);
      expect(after.every((r) => r.decoded === undefined)).toBe(true);
    },
  );

  it.each([
    ['in memory', false],
    ['under a data directory, reopened with another default', true],
  ])("keeps an existing topic's partitions when asked for another count, as Kafka's CreateTopics does, %s", async (_, onDisk) => {
    const dataDir = onDisk ? tempDir() : undefined;
    let log = open({ partitions: 4, dataDir });
    await log.ensureTopics([{ topic: 'clicks', partitions: 4 }]);
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    await log.produce(keys.map((key) => ({ topic: 'clicks', key, value: Buffer.from('before') })));
    if (dataDir !== undefined) {
      await log.close();
      log = open({ partitions: 8, dataDir });
    }
    await log.ensureTopics([{ topic: 'clicks', partitions: 8 }]);
    expect(await log.partitionsFor('clicks')).toBe(4);
    // every key's later record lands beside its earlier one
    await log.produce(keys.map((key) => ({ topic: 'clicks', key, value: Buffer.from('after') })));
    for (let partition = 0; partition < 4; partition++) {
      const records = await readAll(log, { topic: 'clicks', partition });
      const before = records.filter((r) => r.value!.toString() === 'before').map((r) => r.key!.toString());
      const after = records.filter((r) => r.value!.toString() === 'after').map((r) => r.key!.toString());
      expect(after).toEqual(before);
    }
    // a deliberate grow still grows it
    await log.createPartitions('clicks', 6);
    expect(await log.partitionsFor('clicks')).toBe(6);
  });

  it('persists records and commits under dataDir and resumes from them in a new instance', async () => {
    const dataDir = tempDir();
    const first = open({ partitions: 2, dataDir, now: () => 42 });
    await first.ensureTopics([{ topic: 'events', partitions: 3 }]);
    await first.produce(
      Array.from({ length: 30 }, (_, i) => ({
        topic: 'events',
        key: `user-${i % 7}`,
        value: Buffer.from(`e${i}`),
        headers: { n: String(i) },
      })),
    );
    await first.produce([{ topic: 'other', key: null, value: null }]);
    const seen = deferred();
    let count = 0;
    const consumer = first.consumer({ groupId: 'engine', topics: ['events'] });
    await consumer.run(async (batch) => {
      count += batch.records.length;
      if (count === 30) seen.resolve();
    });
    await seen.promise;
    await consumer.stop();
    const before = (await Promise.all([0, 1, 2].map((partition) => readAll(first, { topic: 'events', partition })))).flat();
    await first.close();

    const second = open({ partitions: 2, dataDir });
    expect(await second.partitionsFor('events')).toBe(3);
    expect(await second.partitionsFor('other')).toBe(2);
    const after = (await Promise.all([0, 1, 2].map((partition) => readAll(second, { topic: 'events', partition })))).flat();
    expect(after).toEqual(before);
    expect(after.every((r) => r.timestamp === 42)).toBe(true);

    await second.produce(Array.from({ length: 5 }, (_, i) => ({ topic: 'events', key: `user-${i}`, value: Buffer.from(`late${i}`) })));
    const resumed: string[] = [];
    const lateSeen = deferred();
    const again = second.consumer({ groupId: 'engine', topics: ['events'] });
    await again.run(async (batch) => {
      resumed.push(...batch.records.map((r) => r.value!.toString()));
      if (resumed.length >= 5) lateSeen.resolve();
    });
    await lateSeen.promise;
    expect(resumed.sort()).toEqual(['late0', 'late1', 'late2', 'late3', 'late4']);
    // a batch is committed after its handler returns: stopping waits for that
    await again.stop();
    const committed = await again.committed([0, 1, 2].map((partition) => ({ topic: 'events', partition })));
    const highs = await Promise.all([0, 1, 2].map((partition) => second.offsets({ topic: 'events', partition })));
    // A partition that never had a record has nothing committed.
    expect(committed.map((c) => c.offset ?? '0')).toEqual(highs.map((h) => h.high));
  });

  it('ignores a torn record at the end of the active segment', async () => {
    const dataDir = tempDir();
    const first = open({ partitions: 1, dataDir });
    await first.produce([{ topic: 't', key: 'a', value: Buffer.from('complete') }]);
    await first.close();
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(dataDir, 'topics', 't', '0', '00000000000000000000.log'), Buffer.from([0, 0, 0, 50, 1, 2, 3]));

    const second = open({ partitions: 1, dataDir });
    expect(values(await readAll(second, { topic: 't', partition: 0 }))).toEqual(['complete']);
    await second.produce([{ topic: 't', key: 'a', value: Buffer.from('next') }]);
    await second.close();
    const third = open({ partitions: 1, dataDir });
    expect(values(await readAll(third, { topic: 't', partition: 0 }))).toEqual(['complete', 'next']);
  });
});

function values(records: LogRecord[]): string[] {
  return records.map((r) => r.value!.toString());
}
