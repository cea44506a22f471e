import { describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/eval/generate.js';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';

/**
 * 4 MiB per partition: more than the stream writes (under 1 MiB a partition), so retention deletes
 * nothing; its 512 KiB segments are smaller than the item deltas a partition gets, so a purge, which
 * drops whole segments, has some to drop.
 */
const log = (dataDir: string): MemoryLog => new MemoryLog({ partitions: 2, dataDir, retention: { bytes: 4 * 1024 * 1024, ms: null } });

async function lows(l: MemoryLog, topic: string): Promise<number[]> {
  return Promise.all([0, 1].map(async (partition) => Number((await l.offsets({ topic, partition })).low)));
}

describe('item deltas a checkpoint covers', () => {
  it('are deleted (as Kafka Streams purges repartition topics), and a restart still restores the same state', async () => {
    const dir = tempDir();
    const first = log(dir);
    const app = await startTestApp({ DATA_DIR: dir, PARTITIONS: '2', STATE_COMMIT_MS: '200' }, { log: first });
    const start = Date.now() - 6 * 3_600_000;
    const events = [...generateEvents({ seed: 'purge', users: 300, items: 150, events: 6000, start, meanGapMs: 3000 })];
    let accepted = 0;
    for (let at = 0; at < events.length; at += 500) accepted += (await postEvents(app, events.slice(at, at + 500))).body.accepted;
    expect(accepted).toBeGreaterThan(5000);
    await waitFor(
      () => app.engine.settled(),
      (settled) => settled,
      60_000,
    );
    const before = app.engine.digest();
    expect(before.eventsApplied).toBe(accepted);
    await app.stop();

    const reopened = log(dir);
    // the input keeps everything (retention has nothing to delete); item-deltas lost what checkpoints cover
    expect(await lows(reopened, 'clickstream')).toEqual([0, 0]);
    for (const low of await lows(reopened, 'recstream.item-deltas')) expect(low).toBeGreaterThan(0);

    const again = await startTestApp({ DATA_DIR: dir, PARTITIONS: '2', STATE_COMMIT_MS: '200' }, { log: reopened });
    await waitFor(
      () => again.engine.settled(),
      (settled) => settled,
      60_000,
    );
    expect(again.engine.digest()).toEqual(before);
    await again.stop();
  }, 120_000);
});
