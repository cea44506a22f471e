import { afterEach, describe, expect, it } from 'vitest';
import { OutputQueue } from '../../src/engine/output-queue.js';
import { MemoryLog } from '../../src/log/memory.js';
import type { OutgoingRecord } from '../../src/log/types.js';

const TOPIC = 'outputs';

function records(from: number, count: number): OutgoingRecord[] {
  return Array.from({ length: count }, (_, i) => ({ topic: TOPIC, key: null, value: Buffer.from(`r${from + i}`), partition: 0 }));
}

/** The embedded log, with each produce held until released and failing while `failing` is set. */
class HeldLog {
  readonly log = new MemoryLog({ partitions: 1 });
  readonly produced: number[] = [];
  failing = 0;
  private held: Array<() => void> = [];

  produce = async (batch: OutgoingRecord[]): Promise<void> => {
    await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failing > 0) {
      this.failing--;
      throw new Error('the broker did not take the records');
    }
    this.produced.push(batch.length);
    await this.log.produce(batch);
  };

  async onItsWay(): Promise<void> {
    while (this.held.length === 0) await new Promise((r) => setTimeout(r, 1));
  }

  /** Lets the produce on its way go on, once one is. */
  async release(): Promise<void> {
    await this.onItsWay();
    this.held.shift()!();
    await new Promise((r) => setTimeout(r, 1));
  }

  async values(): Promise<string[]> {
    const got: string[] = [];
    await this.log.readRange({ topic: TOPIC, partition: 0 }, '0', (await this.log.offsets({ topic: TOPIC, partition: 0 })).high, (rs) => {
      got.push(...rs.map((r) => r.value!.toString()));
    });
    return got;
  }
}

describe('OutputQueue', () => {
  let held: HeldLog;
  afterEach(async () => {
    await held?.log.close();
  });

  it('keeps one produce on its way and sends what came meanwhile together, in order, each promise resolving when its records are written', async () => {
    held = new HeldLog();
    const queue = new OutputQueue({ produce: held.produce, onRetry: () => undefined, maxWaiting: 1_000 });
    const durable: string[] = [];
    const send = (batch: OutgoingRecord[], i: number) =>
      queue.send(batch).then(() => {
        durable.push(`send ${i}`);
      });
    const sends = [send(records(0, 2), 0)];
    await held.onItsWay();
    sends.push(...[records(2, 3), [], records(5, 1)].map((batch, i) => send(batch, i + 1)));
    await held.release();
    expect(durable).toEqual(['send 0']);
    await held.release();
    await Promise.all(sends);
    // the three sends that came while the first was on its way went as one produce; the empty one waited its turn
    expect(held.produced).toEqual([2, 4]);
    expect(durable).toEqual(['send 0', 'send 1', 'send 2', 'send 3']);
    expect(await held.values()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('resolves an empty send on an idle queue and still writes what comes after it', async () => {
    held = new HeldLog();
    const queue = new OutputQueue({ produce: held.produce, onRetry: () => undefined, maxWaiting: 1_000 });
    await queue.send([]);
    await queue.drained();
    const written = queue.send(records(0, 1));
    await held.release();
    await written;
    await queue.drained();
    expect(await held.values()).toEqual(['r0']);
  });

  it('tries a failed produce again, its records first, and rejects instead once closing', async () => {
    held = new HeldLog();
    const retries: number[] = [];
    const queue = new OutputQueue({ produce: held.produce, onRetry: (_err, n) => retries.push(n), maxWaiting: 1_000 });
    held.failing = 1;
    const first = queue.send(records(0, 2));
    await held.release(); // fails
    const second = queue.send(records(2, 1));
    await held.release(); // the retry takes both, in order
    await Promise.all([first, second]);
    expect(retries).toEqual([2]);
    expect(await held.values()).toEqual(['r0', 'r1', 'r2']);

    held.failing = 1;
    const third = queue.send(records(3, 1));
    const thirdFailed = expect(third).rejects.toThrow('the broker did not take the records');
    const closed = queue.close();
    await held.release();
    await thirdFailed;
    await closed;
    expect(await held.values()).toEqual(['r0', 'r1', 'r2']);
  });

  it('holds a sender back while more records than its bound wait, and lets it go once they are written', async () => {
    held = new HeldLog();
    const queue = new OutputQueue({ produce: held.produce, onRetry: () => undefined, maxWaiting: 3 });
    await queue.room();
    const written = queue.send(records(0, 3));
    let roomy = false;
    const room = queue.room().then(() => {
      roomy = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(roomy).toBe(false);
    await held.release();
    await written;
    await room;
    expect(roomy).toBe(true);
    await queue.drained();
  });
});
