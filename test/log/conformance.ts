/**
 * The behaviour every EventLog must show, run against each implementation with its own factory.
 */

import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventLog, GroupConsumer, LogRecord, PartitionBatch, TopicPartition } from '../../src/log/types.js';

export interface LogUnderTest {
  log: EventLog;
  /** Makes a topic exist with exactly this many partitions. */
  createTopic(topic: string, partitions: number): Promise<void>;
  teardown(): Promise<void>;
}

/** kafkajs's own choice of partition for a key, as the reference. */
function kafkajsPartition(key: string, numPartitions: number): number {
  const pick = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: numPartitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return pick({ topic: 't', partitionMetadata, message: { key, value: null } });
}

/** A member's onAssigned/onRevoked calls in order, and when the last one came. */
class Ownership {
  readonly owned = new Set<number>();
  readonly everRevoked = new Set<number>();
  lastChange = Date.now();

  assigned(tps: TopicPartition[]): void {
    for (const tp of tps) this.owned.add(tp.partition);
    this.lastChange = Date.now();
  }

  revoked(tps: TopicPartition[]): void {
    for (const tp of tps) {
      this.owned.delete(tp.partition);
      this.everRevoked.add(tp.partition);
    }
    this.lastChange = Date.now();
  }
}

/**
 * Resolves once no member's assignment has changed for `quietMs`: a broker may rebalance more than
 * once when a member joins a busy group (one member too slow to rejoin starts another round), and
 * assertions about the outcome must come after the last round.
 */
async function steady(members: Ownership[], quietMs = 1_500, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const quietFor = Date.now() - Math.max(...members.map((m) => m.lastChange));
    if (quietFor >= quietMs) return;
    if (Date.now() > deadline) throw new Error(`assignments still changing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, quietMs - quietFor));
  }
}

/** Records seen by group members; tests wait on it instead of sleeping. */
class Received {
  readonly records: Array<LogRecord & { member: string }> = [];
  readonly violations: string[] = [];
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  add(member: string, batch: PartitionBatch): void {
    for (const r of batch.records) this.records.push({ ...r, member });
    this.poke();
  }

  poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; have ${this.records.length} records`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  count(): number {
    return this.records.length;
  }
}

function positions(records: LogRecord[]): string[] {
  return records.map((r) => `${r.partition}:${r.offset}`);
}

function values(records: LogRecord[]): string[] {
  return records.map((r) => r.value!.toString());
}

function sortedTps(tps: TopicPartition[]): string[] {
  return tps.map((tp) => `${tp.topic}:${tp.partition}`).sort();
}

export function describeEventLogConformance(name: string, create: () => Promise<LogUnderTest>): void {
  describe(`EventLog conformance: ${name}`, () => {
    let target: LogUnderTest;
    let log: EventLog;
    let seq = 0;
    const unique = (prefix: string) => `${prefix}-${name}-${Date.now().toString(36)}-${++seq}`;
    const running: GroupConsumer[] = [];

    beforeAll(async () => {
      target = await create();
      log = target.log;
      await log.connect();
    });

    afterAll(async () => {
      await Promise.all(running.map((c) => c.stop()));
      await target?.teardown();
    });

    async function start(
      groupId: string,
      topic: string,
      received: Received,
      member: string,
      ownership?: Ownership,
    ): Promise<GroupConsumer> {
      const consumer = log.consumer({ groupId, topics: [topic], fromBeginning: true });
      running.push(consumer);
      const announced = new Set<string>();
      await consumer.run(
        async (batch) => {
          // Every batch comes from a partition announced by onAssigned and not revoked since.
          if (!announced.has(`${batch.topic}:${batch.partition}`)) received.violations.push(`${member} got unannounced ${batch.partition}`);
          received.add(member, batch);
        },
        {
          onAssigned: (tps) => {
            for (const tp of tps) announced.add(`${tp.topic}:${tp.partition}`);
            ownership?.assigned(tps);
            received.poke();
          },
          onRevoked: (tps) => {
            for (const tp of tps) announced.delete(`${tp.topic}:${tp.partition}`);
            ownership?.revoked(tps);
            received.poke();
          },
        },
      );
      return consumer;
    }

    async function stop(consumer: GroupConsumer): Promise<void> {
      await consumer.stop();
      running.splice(running.indexOf(consumer), 1);
    }

    it('keeps per-partition order and puts a key on the partition kafkajs would pick', async () => {
      const topic = unique('order');
      await target.createTopic(topic, 4);
      const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
      const produced: Array<{ key: string; value: string }> = [];
      for (let round = 0; round < 5; round++) {
        const batch = users.map((key, i) => ({ key, value: `${key}#${round * users.length + i}` }));
        produced.push(...batch);
        await log.produce(batch.map((r) => ({ topic, key: r.key, value: Buffer.from(r.value) })));
      }
      expect(await log.partitionsFor(topic)).toBe(4);

      const received = new Received();
      await start(unique('g'), topic, received, 'a');
      await received.until(() => received.count() >= produced.length, 'all records');
      expect(received.count()).toBe(produced.length);

      for (const r of received.records) {
        expect(r.topic).toBe(topic);
        expect(r.partition).toBe(kafkajsPartition(r.key!.toString(), 4));
        expect(typeof r.offset).toBe('string');
        expect(r.timestamp).toBeGreaterThan(0);
      }
      for (let p = 0; p < 4; p++) {
        const inPartition = received.records.filter((r) => r.partition === p);
        expect(inPartition.map((r) => Number(r.offset))).toEqual(inPartition.map((_, i) => i));
      }
      for (const user of users) {
        const expected = produced.filter((r) => r.key === user).map((r) => r.value);
        expect(values(received.records.filter((r) => r.key!.toString() === user))).toEqual(expected);
      }
    });

    it('carries headers, null keys and explicit partitions', async () => {
      const topic = unique('shape');
      await target.createTopic(topic, 3);
      await log.produce([
        { topic, key: null, value: Buffer.from('keyless'), partition: 2, headers: { reason: 'test', source: 'x' } },
        { topic, key: Buffer.from([0xff, 0x00]), value: null, partition: 1 },
      ]);
      const got: LogRecord[] = [];
      await log.readRange({ topic, partition: 2 }, '0', '1', (records) => {
        got.push(...records);
      });
      await log.readRange({ topic, partition: 1 }, '0', '1', (records) => {
        got.push(...records);
      });
      expect(got).toHaveLength(2);
      expect(got[0].key).toBeNull();
      expect(got[0].value!.toString()).toBe('keyless');
      expect(got[0].headers).toEqual({ reason: 'test', source: 'x' });
      expect(got[1].key).toEqual(Buffer.from([0xff, 0x00]));
      expect(got[1].value).toBeNull();
    });

    it('commits after each batch and a new member of the group resumes after the commit', async () => {
      const topic = unique('resume');
      const groupId = unique('g');
      await target.createTopic(topic, 2);
      const first = Array.from({ length: 40 }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(`first-${i}`) }));
      await log.produce(first);

      const before = new Received();
      const a = await start(groupId, topic, before, 'a');
      await before.until(() => before.count() === 40, 'first 40');
      const tps = [0, 1].map((partition) => ({ topic, partition }));
      await vi.waitFor(
        async () => {
          const committed = await a.committed(tps);
          const highs = await Promise.all(tps.map((tp) => log.offsets(tp)));
          expect(committed.map((c) => c.offset)).toEqual(highs.map((h) => h.high));
        },
        { timeout: 10_000, interval: 50 },
      );
      await stop(a);

      await log.produce(Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(`second-${i}`) })));
      const after = new Received();
      const b = await start(groupId, topic, after, 'b');
      await after.until(() => after.count() >= 10, 'the 10 new records');
      expect(values(after.records).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `second-${i}`).sort());
      await stop(b);
    });

    /** Resolves once the group's committed offsets of `consumer`'s partitions reach their high watermarks. */
    async function committedAll(consumer: GroupConsumer): Promise<void> {
      await vi.waitFor(
        async () => {
          const tps = consumer.assignment();
          const committed = await consumer.committed(tps);
          const highs = await Promise.all(tps.map((tp) => log.offsets(tp)));
          expect(committed.map((c) => c.offset ?? '0')).toEqual(highs.map((h) => h.high));
        },
        { timeout: 10_000, interval: 50 },
      );
    }

    // Commits may trail what a member handled (Kafka commits without holding up the next batch): a
    // rebalance repeats what was handled and not committed yet, so each one here comes once the
    // commits have landed; the rest, the handover itself, must lose and repeat nothing.
    it('splits partitions between two members and hands all to the survivor, losing and repeating nothing committed', async () => {
      const topic = unique('split');
      const groupId = unique('g');
      await target.createTopic(topic, 4);
      let n = 0;
      const produceSome = (count: number) =>
        log.produce(Array.from({ length: count }, () => ({ topic, key: `user-${n % 17}`, value: Buffer.from(`v${n++}`) })));

      const received = new Received();
      const aOwns = new Ownership();
      const bOwns = new Ownership();
      await produceSome(40);
      const a = await start(groupId, topic, received, 'a', aOwns);
      await received.until(() => received.count() === 40 && a.assignment().length === 4, 'member a to own all and read 40');
      await committedAll(a);

      const b = await start(groupId, topic, received, 'b', bOwns);
      await received.until(() => a.assignment().length === 2 && b.assignment().length === 2, 'a 2/2 split');
      await steady([aOwns, bOwns]);
      expect(a.assignment()).toHaveLength(2);
      expect(sortedTps([...a.assignment(), ...b.assignment()])).toEqual(sortedTps([0, 1, 2, 3].map((partition) => ({ topic, partition }))));
      // What each member was told adds up to what it owns, and a was told it lost every partition b took.
      expect([...aOwns.owned].sort()).toEqual(
        a
          .assignment()
          .map((tp) => tp.partition)
          .sort(),
      );
      expect([...bOwns.owned].sort()).toEqual(
        b
          .assignment()
          .map((tp) => tp.partition)
          .sort(),
      );
      for (const tp of b.assignment()) expect(aOwns.everRevoked.has(tp.partition)).toBe(true);

      await produceSome(60);
      await received.until(() => received.count() === 100, '100 records across both members');
      const byB = received.records.filter((r) => r.member === 'b');
      expect(byB.length).toBeGreaterThan(0);
      const bOwned = new Set(b.assignment().map((tp) => tp.partition));
      for (const r of byB) expect(bOwned.has(r.partition)).toBe(true);

      await committedAll(a);
      await committedAll(b);
      const bHad = b.assignment();
      await stop(b);
      expect([...bOwns.owned]).toEqual([]);
      for (const tp of bHad) expect(bOwns.everRevoked.has(tp.partition)).toBe(true);
      await received.until(() => a.assignment().length === 4, 'a to own all 4 again');
      await produceSome(50);
      await received.until(() => received.count() >= 150, 'all 150 records');

      expect(received.count()).toBe(150);
      const seen = positions(received.records);
      expect(new Set(seen).size).toBe(150);
      expect(values(received.records).sort()).toEqual(Array.from({ length: 150 }, (_, i) => `v${i}`).sort());
      expect(received.violations).toEqual([]);
      await stop(a);
    });

    it('reads a range of a partition outside any group and reports offsets', async () => {
      const topic = unique('range');
      await target.createTopic(topic, 2);
      await log.produce(Array.from({ length: 30 }, (_, i) => ({ topic, key: null, value: Buffer.from(`r${i}`), partition: 1 })));
      expect(await log.offsets({ topic, partition: 1 })).toEqual({ low: '0', high: '30' });
      expect(await log.offsets({ topic, partition: 0 })).toEqual({ low: '0', high: '0' });
      expect(await log.topicOffsets(topic)).toEqual([
        { low: '0', high: '0' },
        { low: '0', high: '30' },
      ]);

      const got: LogRecord[] = [];
      await log.readRange({ topic, partition: 1 }, '10', '20', (records) => {
        got.push(...records);
      });
      expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(10 + i)));
      expect(values(got)).toEqual(Array.from({ length: 10 }, (_, i) => `r${10 + i}`));

      const whole: LogRecord[] = [];
      await log.readRange({ topic, partition: 1 }, '0', '30', (records) => {
        whole.push(...records);
      });
      expect(whole).toHaveLength(30);

      const none: LogRecord[] = [];
      await log.readRange({ topic, partition: 1 }, '30', '30', (records) => {
        none.push(...records);
      });
      await log.readRange({ topic, partition: 0 }, '0', '0', (records) => {
        none.push(...records);
      });
      expect(none).toHaveLength(0);
    });

    it('starts a new group where `startAt` says, at the end on the partitions it does not name', async () => {
      const topic = unique('start-at');
      await target.createTopic(topic, 2);
      for (const partition of [0, 1])
        await log.produce(
          Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: Buffer.from(`p${partition}-${i}`), partition })),
        );
      const received = new Received();
      const consumer = log.consumer({
        groupId: unique('g'),
        topics: [topic],
        fromBeginning: false,
        startAt: [{ topic, partition: 0, offset: '4' }],
      });
      running.push(consumer);
      await consumer.run(async (batch) => received.add('a', batch));
      await received.until(() => received.count() === 6, 'partition 0 from offset 4');
      await log.produce([{ topic, key: null, value: Buffer.from('p1-new'), partition: 1 }]);
      await received.until(() => received.count() === 7, 'the record produced on partition 1 after the join');
      expect(values(received.records)).toEqual(['p0-4', 'p0-5', 'p0-6', 'p0-7', 'p0-8', 'p0-9', 'p1-new']);
      await stop(consumer);
    });

    it('tells a member that a rebalance began before the group gives a joining member partitions', async () => {
      const topic = unique('rebalancing');
      const groupId = unique('g');
      await target.createTopic(topic, 2);
      const events: string[] = [];
      const received = new Received();
      const member = (name: string) => {
        const consumer = log.consumer({ groupId, topics: [topic] });
        running.push(consumer);
        return consumer.run(async (batch) => received.add(name, batch), {
          onRebalancing: () => {
            events.push(`${name} rebalancing`);
          },
          onAssigned: (tps) => {
            events.push(`${name} assigned ${tps.length}`);
            received.poke();
          },
          onRevoked: (tps) => {
            events.push(`${name} revoked ${tps.length}`);
          },
          onJoined: () => {
            events.push(`${name} joined`);
            received.poke();
          },
        });
      };
      await member('a');
      await received.until(() => events.includes('a joined'), 'a to own both partitions');
      expect(events).toEqual(expect.arrayContaining(['a assigned 2']));
      expect(events.indexOf('a assigned 2')).toBeLessThan(events.indexOf('a joined'));
      const before = events.length;
      await member('b');
      await received.until(() => events.some((e) => e.startsWith('b assigned')), 'b to be given partitions');
      const later = events.slice(before);
      expect(later).toContain('a rebalancing');
      expect(later.indexOf('a rebalancing')).toBeLessThan(later.findIndex((e) => e.startsWith('b assigned')));
      // each hears it joined after what the join changed: a after losing a partition, b after being given
      // one. A busy cluster may run a round that gives b nothing before the one that splits the
      // partitions (both members hear "joined" after it too): wait for the round of the split.
      const joinedAfter = (change: string, joined: string): boolean => {
        const since = events.slice(before);
        const at = since.indexOf(change);
        return at >= 0 && since.indexOf(joined, at + 1) > at;
      };
      await received.until(
        () => joinedAfter('a revoked 1', 'a joined') && joinedAfter('b assigned 1', 'b joined'),
        'a to hear "joined" after losing a partition and b after being given one',
      );
      for (const c of [...running]) await stop(c);
    });

    it('reports lag as high watermark minus committed offset', async () => {
      const topic = unique('lag');
      await target.createTopic(topic, 1);
      const tp = { topic, partition: 0 };
      let releaseGate: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        releaseGate = resolve;
      });
      const received = new Received();
      const consumer = log.consumer({ groupId: unique('g'), topics: [topic] });
      running.push(consumer);
      await consumer.run(async (batch) => {
        received.add('a', batch);
        if (batch.records.some((r) => r.value?.toString() === 'block')) await gate;
      });

      await log.produce(Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: Buffer.from(`x${i}`), partition: 0 })));
      await received.until(() => received.count() === 10, 'first 10');
      await vi.waitFor(async () => expect(await consumer.lag()).toEqual([{ ...tp, lag: 0 }]), { timeout: 10_000, interval: 50 });

      await log.produce([{ topic, key: null, value: Buffer.from('block'), partition: 0 }]);
      await received.until(() => received.count() === 11, 'the blocking record');
      await log.produce(Array.from({ length: 4 }, (_, i) => ({ topic, key: null, value: Buffer.from(`y${i}`), partition: 0 })));
      await vi.waitFor(async () => expect((await log.offsets(tp)).high).toBe('15'), { timeout: 10_000, interval: 50 });
      expect(await consumer.lag()).toEqual([{ ...tp, lag: 5 }]);
      expect(await consumer.committed([tp])).toEqual([{ ...tp, offset: '10' }]);

      releaseGate();
      await received.until(() => received.count() === 15, 'the rest');
      await vi.waitFor(async () => expect(await consumer.lag()).toEqual([{ ...tp, lag: 0 }]), { timeout: 10_000, interval: 50 });
      await stop(consumer);
    });
    it('offers a failed batch again and commits nothing until the handler succeeds', async () => {
      const topic = unique('retry');
      await target.createTopic(topic, 1);
      const tp = { topic, partition: 0 };
      await log.produce([{ topic, key: null, value: Buffer.from('only'), partition: 0 }]);
      const attempts: string[][] = [];
      const committedDuringFailure: Array<string | null> = [];
      const received = new Received();
      const consumer = log.consumer({ groupId: unique('g'), topics: [topic] });
      running.push(consumer);
      await consumer.run(async (batch) => {
        attempts.push(batch.records.map((r) => r.offset));
        if (attempts.length === 1) {
          committedDuringFailure.push((await consumer.committed([tp]))[0].offset);
          throw new Error('effects not durable yet');
        }
        received.add('a', batch);
      });
      await received.until(() => received.count() === 1, 'the retried batch');
      expect(attempts.slice(0, 2)).toEqual([['0'], ['0']]);
      expect(committedDuringFailure).toEqual([null]);
      await vi.waitFor(async () => expect(await consumer.committed([tp])).toEqual([{ ...tp, offset: '1' }]), {
        timeout: 10_000,
        interval: 50,
      });
      await stop(consumer);
    });

    it('stop() finishes the batch in hand, commits it and reports the partitions revoked', async () => {
      const topic = unique('stop');
      await target.createTopic(topic, 1);
      const tp = { topic, partition: 0 };
      const groupId = unique('g');
      await log.produce(Array.from({ length: 3 }, (_, i) => ({ topic, key: null, value: Buffer.from(`s${i}`), partition: 0 })));
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const events: string[] = [];
      const received = new Received();
      const consumer = log.consumer({ groupId, topics: [topic] });
      running.push(consumer);
      await consumer.run(
        async (batch) => {
          received.add('a', batch);
          events.push('batch started');
          await gate;
          events.push('batch done');
        },
        {
          onRevoked: (tps) => {
            events.push(`revoked ${sortedTps(tps).join(',')}`);
          },
        },
      );
      await received.until(() => received.count() === 3, 'the batch in hand');
      const stopped = consumer.stop();
      release();
      await stopped;
      running.splice(running.indexOf(consumer), 1);
      expect(events).toEqual(['batch started', 'batch done', `revoked ${topic}:0`]);

      const next = log.consumer({ groupId, topics: [topic] });
      running.push(next);
      await next.run(async (batch) => received.add('b', batch));
      expect(await next.committed([tp])).toEqual([{ ...tp, offset: '3' }]);
      await log.produce([{ topic, key: null, value: Buffer.from('after'), partition: 0 }]);
      await received.until(() => received.count() === 4, 'the record after the restart');
      expect(received.records.filter((r) => r.member === 'b').map((r) => r.offset)).toEqual(['3']);
      await stop(next);
    });

    it('commits a batch answered with `durable` only once it resolved, and one whose `durable` failed never', async () => {
      const topic = unique('durable');
      await target.createTopic(topic, 2);
      const [held, failing] = [0, 1].map((partition) => ({ topic, partition }));
      let makeDurable: () => void = () => undefined;
      const durable = new Promise<void>((resolve) => {
        makeDurable = resolve;
      });
      const received = new Received();
      const consumer = log.consumer({ groupId: unique('g'), topics: [topic] });
      running.push(consumer);
      await consumer.run(async (batch) => {
        received.add('a', batch);
        if (batch.partition === held.partition) return { durable };
        return { durable: Promise.reject(new Error('the output of this batch was not written')) };
      });
      await log.produce([{ topic, key: null, value: Buffer.from('held'), partition: held.partition }]);
      await received.until(() => received.count() >= 1, 'the held batch');
      // well past the Kafka log's commit interval: nothing may be committed before the output is durable
      await new Promise((r) => setTimeout(r, 600));
      expect(await consumer.committed([held])).toEqual([{ ...held, offset: null }]);
      makeDurable();
      await vi.waitFor(async () => expect(await consumer.committed([held])).toEqual([{ ...held, offset: '1' }]), {
        timeout: 10_000,
        interval: 50,
      });

      await log.produce([{ topic, key: null, value: Buffer.from('failing'), partition: failing.partition }]);
      await received.until(() => received.records.some((r) => r.partition === failing.partition), 'the failing batch');
      await new Promise((r) => setTimeout(r, 600));
      expect(await consumer.committed([failing])).toEqual([{ ...failing, offset: null }]);
      await stop(consumer);
    });

    it('refuses misuse with the same coded errors: unknown partition, consumer run twice or after stop, log closed', async () => {
      const topic = unique('codes');
      await target.createTopic(topic, 1);
      await expect(log.offsets({ topic, partition: 7 })).rejects.toMatchObject({ code: 'RS_LOG_UNKNOWN_PARTITION', retriable: false });
      expect(() => log.consumer({ groupId: unique('g'), topics: [] })).toThrow(expect.objectContaining({ code: 'RS_LOG_OPTIONS_INVALID' }));

      const consumer = log.consumer({ groupId: unique('g'), topics: [topic] });
      running.push(consumer);
      const joined = consumer.run(async () => undefined);
      await expect(consumer.run(async () => undefined)).rejects.toMatchObject({ code: 'RS_CONSUMER_ALREADY_RUNNING' });
      await joined;
      await stop(consumer);
      await expect(consumer.run(async () => undefined)).rejects.toMatchObject({ code: 'RS_CONSUMER_STOPPED' });

      const other = await create();
      await other.log.connect();
      await other.log.close();
      await expect(other.log.produce([{ topic, key: null, value: Buffer.from('late'), partition: 0 }])).rejects.toMatchObject({
        code: 'RS_LOG_CLOSED',
        retriable: false,
      });
      expect(() => other.log.consumer({ groupId: unique('g'), topics: [topic] })).toThrow(
        expect.objectContaining({ code: 'RS_LOG_CLOSED' }),
      );
    });
  });
}
