import { describe, expect, it } from 'vitest';
import { ChangelogStore, type PartitionCommit, type StoreEntry } from '../../src/engine/state-store.js';
import { KafkaLog } from '../../src/log/kafka.js';
import { MemoryLog } from '../../src/log/memory.js';
import type { EventLog } from '../../src/log/types.js';
import { tempDir } from '../helpers/app.js';
import { dyingInCommit } from '../helpers/dying-log.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';

const mock = mockKafkaForFile();

type Value = { n: number };
type Checkpoint = { upTo: number };

/** A commit of both partitions up to input offset `upTo`, its records carrying how many events that was. */
function commitsAt(upTo: number): Array<PartitionCommit<Checkpoint>> {
  return [0, 1].map((partition) => ({
    partition,
    checkpoint: { upTo },
    position: { [`input/${partition}`]: String(upTo) },
    headers: { 'test.events': String(upTo * 2) },
  }));
}

/** Keys k0..k(count-1), k_i in partition i % 2, valued `base + i`. */
function entries(count: number, base: number): Array<StoreEntry<Value>> {
  return Array.from({ length: count }, (_, i) => [`k${i}`, { n: base + i }, i % 2]);
}

/** What a fresh process restores of `topic`'s two partitions. */
async function restored(log: EventLog, topic: string) {
  const store = new ChangelogStore<Value, Checkpoint>(log, topic, 'test/1', 0);
  const values: Record<string, number> = {};
  const parts = [];
  for (const partition of [0, 1]) {
    const r = await store.restore(partition, (key, value) => {
      values[key] = value.n;
    });
    parts.push({ checkpoint: r.checkpoint, ahead: Object.fromEntries(r.ahead), headers: r.aheadHeaders?.['test.events'] ?? null });
  }
  return { values, parts };
}

const logs: Array<[string, () => Promise<{ log: EventLog; create: (topic: string) => Promise<void> }>]> = [
  [
    'the embedded log in memory',
    async () => {
      const log = new MemoryLog({ partitions: 2 });
      return { log, create: (topic) => log.ensureTopics([{ topic, partitions: 2, compacted: true }]) };
    },
  ],
  [
    'the embedded log on a data directory',
    async () => {
      const log = new MemoryLog({ partitions: 2, dataDir: tempDir() });
      return { log, create: (topic) => log.ensureTopics([{ topic, partitions: 2, compacted: true }]) };
    },
  ],
  [
    'Kafka',
    async () => {
      const log = new KafkaLog({
        brokers: mock.cluster.brokers,
        clientId: 'state-store-position',
        retry: { initialRetryTime: 100, retries: 5 },
      });
      return {
        log,
        create: async (topic) => {
          const answer = await mock.cluster.command(`create ${topic} 2`);
          if (answer !== 'ok') throw new Error(`creating ${topic}: ${answer}`);
        },
      };
    },
  ],
];

describe('a state store record carries the position of its commit', () => {
  it.each(logs)(
    'on %s, a restore finds the records a commit cut short wrote ahead of its checkpoint, with their positions',
    async (_, open) => {
      const { log, create } = await open();
      await log.connect();
      try {
        const topic = `state-${Date.now().toString(36)}`;
        await create(topic);
        const store = new ChangelogStore<Value, Checkpoint>(log, topic, 'test/1', 0);
        await store.write(entries(10, 0), commitsAt(10));
        const whole = await restored(log, topic);
        expect(whole.parts).toEqual([0, 1].map(() => ({ checkpoint: { upTo: 10 }, ahead: {}, headers: null })));

        // a commit whose produce lands half of its records and not its checkpoints
        const dying = dyingInCommit(log, topic, 0.5);
        dying.arm();
        const cut = new ChangelogStore<Value, Checkpoint>(dying.log, topic, 'test/1', 0);
        await expect(cut.write(entries(40, 100), commitsAt(25))).rejects.toThrow('died');
        const after = await restored(log, topic);
        const landed = Object.keys(after.values).filter((key) => after.values[key] >= 100);
        expect(landed.length, 'some records of the cut commit landed, not all').toBeGreaterThan(0);
        expect(landed.length).toBeLessThan(40);
        for (const partition of [0, 1]) {
          const part = after.parts[partition];
          expect(part.checkpoint).toEqual({ upTo: 10 });
          const mine = landed.filter((key) => Number(key.slice(1)) % 2 === partition).sort();
          expect(Object.keys(part.ahead).sort()).toEqual(mine);
          for (const key of mine) expect(part.ahead[key]).toEqual({ [`input/${partition}`]: '25' });
          expect(part.headers).toBe(mine.length > 0 ? '50' : null);
        }

        // the next whole commit covers them again
        await store.write(entries(2, 200), commitsAt(30));
        const covered = await restored(log, topic);
        expect(covered.parts).toEqual([0, 1].map(() => ({ checkpoint: { upTo: 30 }, ahead: {}, headers: null })));
      } finally {
        await log.close();
      }
    },
  );
});
