import { describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CHECKPOINT_KEY, POSITION_HEADER } from '../../src/engine/state-store.js';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp } from '../helpers/app.js';
import { dyingInCommit } from '../helpers/dying-log.js';
import { processView } from '../helpers/process-view.js';
import { clicks, settledAt } from '../helpers/restart-stream.js';

const { userState } = loadConfig({}).topics;

describe('a user-state commit cut short by a crash', () => {
  // the records of a commit may land without its checkpoint: the restore replays the input after the
  // last checkpoint, and a user whose record already holds some of it must not learn it again, nor
  // may the partition's count of events lose what those records hold
  it.each([
    ['every record of the commit landed', 1],
    ['half of them landed', 0.5],
  ])('restores the state and the count the crashed process had (%s)', async (_, landed) => {
    const base = Date.now() - 3_600_000;
    const log = new MemoryLog({ partitions: 2 });
    const dying = dyingInCommit(log, userState, landed);
    const env = { PARTITIONS: '2', STATE_COMMIT_MS: '60000' };
    const first = await startTestApp(env, { log: dying.log });
    try {
      // a first commit is due at once: the first batch is checkpointed
      expect((await postEvents(first, clicks(0, 300, base))).body.accepted).toBe(300);
      await settledAt(first, (n) => n >= 300);
      await first.engine.stateWritten();
      expect((await postEvents(first, clicks(300, 600, base))).body.accepted).toBe(300);
      const before = await settledAt(first, (n) => n >= 600);
      expect(before.eventsApplied).toBe(600);

      // stopping writes the users changed since: the process dies before the checkpoints land
      await dying.stopDying(first);

      await restoresTo(log, env, before);
    } finally {
      await log.close();
    }
  });

  // the events a held user's record holds are not learnt again, yet they were the crashed process's
  // newest: idle expiry must judge by them, not by the older checkpoint's clock
  it("judges idle users by the crashed process's clock, which only the cut commit's users hold", async () => {
    const base = Date.now() - 610_000;
    const idleMs = 350_000;
    const log = new MemoryLog({ partitions: 2 });
    const dying = dyingInCommit(log, userState, 1);
    const env = { PARTITIONS: '2', STATE_COMMIT_MS: '60000', MODEL_USER_IDLE_DAYS: String(idleMs / 86_400_000) };
    const first = await startTestApp(env, { log: dying.log });
    let second: RunningApp | null = null;
    try {
      // one visit 100 s in; the others shop until 599 s
      const lapsed = { eventId: 'ev-lapsed', userId: 'user-lapsed', timestamp: base + 100_000, type: 'view', itemId: 'sku-1' };
      expect((await postEvents(first, [...clicks(0, 300, base), lapsed])).body.accepted).toBe(301);
      await settledAt(first, (n) => n >= 301);
      await first.engine.stateWritten();
      expect((await postEvents(first, clicks(300, 600, base))).body.accepted).toBe(300);
      // (had its own gauge refresh come by now, it would have forgotten the lapsed user: a tombstone in
      // the cut commit, and nothing left for this test to tell; none is due in its first 5 s)
      await settledAt(first, (n) => n >= 601);
      await dying.stopDying(first);

      second = await startTestApp(env, { log });
      expect((await settledAt(second, (n) => n >= 601)).eventsApplied).toBe(601);
      await second.engine.refresh();
      // 499 s idle by the newest event (599 s), past 350 s; by the checkpoint's (at most 299 s), not
      expect(second.engine.digest().users).toBe(23);
    } finally {
      await second?.stop();
      await log.close();
    }
  });

  // the group commits a batch after its outputs are written, asynchronously: a crash can lose the
  // commits of batches whose users a state commit had already written. The replay must run through
  // the cut commit's position, and the batches the group hands out again after it add nothing.
  it("restores the state and the count where the group's commit is behind the cut commit", async () => {
    const base = Date.now() - 3_600_000;
    const log = new MemoryLog({ partitions: 2 });
    const env = { PARTITIONS: '2', STATE_COMMIT_MS: '60000' };
    try {
      // a clean start and stop: the group's commit and the checkpoint both at the first 300 events
      const first = await startTestApp(env, { log: processView(log).log });
      expect((await postEvents(first, clicks(0, 300, base))).body.accepted).toBe(300);
      await settledAt(first, (n) => n >= 300);
      await first.stop();
      const groupAt = await committedOffsets(log);

      // a process whose group commits are lost: a checkpoint a little further, then 300 more events
      const dying = dyingInCommit(log, userState, 0.5, { commitsLost: true });
      const crashing = await startTestApp(env, { log: dying.log });
      expect((await postEvents(crashing, clicks(300, 320, base))).body.accepted).toBe(20);
      await settledAt(crashing, (n) => n >= 320);
      await crashing.engine.stateWritten();
      expect((await postEvents(crashing, clicks(320, 600, base))).body.accepted).toBe(280);
      const before = await settledAt(crashing, (n) => n >= 600);
      expect(before.eventsApplied).toBe(600);
      await dying.stopDying(crashing);
      expect(await committedOffsets(log), 'the group commits of the crashed process were lost').toEqual(groupAt);

      await restoresTo(log, env, before);
    } finally {
      await log.close();
    }
  });

  // the restarted process crashes in its own first commit, before a checkpoint landed: the store then
  // holds records of two cut commits ahead of the one checkpoint, each with its own position
  it('restores after two commits in a row were cut short, ending where an uninterrupted process ends', async () => {
    const base = Date.now() - 3_600_000;
    const env = { PARTITIONS: '2', STATE_COMMIT_MS: '60000' };
    const batches = [clicks(0, 300, base), clicks(300, 600, base), clicks(600, 900, base)];
    const straightLog = new MemoryLog({ partitions: 2 });
    const log = new MemoryLog({ partitions: 2 });
    let third: RunningApp | null = null;
    try {
      const straight = await startTestApp(env, { log: straightLog });
      for (const [i, batch] of batches.entries()) {
        expect((await postEvents(straight, batch)).body.accepted).toBe(300);
        await settledAt(straight, (n) => n >= 300 * (i + 1));
        if (i === 0) await straight.engine.stateWritten();
      }
      const expected = await settledAt(straight, (n) => n >= 900);
      await straight.stop();

      const dyingAtStop = dyingInCommit(log, userState, 0.5);
      const first = await startTestApp(env, { log: dyingAtStop.log });
      expect((await postEvents(first, batches[0])).body.accepted).toBe(300);
      await settledAt(first, (n) => n >= 300);
      await first.engine.stateWritten();
      expect((await postEvents(first, batches[1])).body.accepted).toBe(300);
      await settledAt(first, (n) => n >= 600);
      await dyingAtStop.stopDying(first);

      // the next process's first commit is due with its first batch: it dies there
      const dyingAtOnce = dyingInCommit(log, userState, 0.5);
      dyingAtOnce.arm();
      const second = await startTestApp(env, { log: dyingAtOnce.log });
      expect((await postEvents(second, batches[2])).body.accepted).toBe(300);
      await dyingAtOnce.died;
      await second.stop().catch(() => undefined);
      const cut = await positionsAfterCheckpoint(log);
      expect(
        cut.some((positions) => positions.length === 2),
        `positions ahead of each checkpoint: ${JSON.stringify(cut)}`,
      ).toBe(true);

      third = await startTestApp(env, { log });
      expect(await settledAt(third, (n) => n >= 900)).toEqual(expected);
    } finally {
      await third?.stop();
      await log.close();
      await straightLog.close();
    }
  });
});

/** The group's committed offsets of the input partitions (its GROUP_ID is the default one). */
async function committedOffsets(log: MemoryLog): Promise<Array<string | null>> {
  const config = loadConfig({ PARTITIONS: '2' });
  const consumer = log.consumer({ groupId: config.groupId, topics: [config.topics.clicks] });
  const partitions = [0, 1].map((partition) => ({ topic: config.topics.clicks, partition }));
  return (await consumer.committed(partitions)).map((c) => c.offset);
}

/** Per partition of the user-state store, the positions of the records written after its last checkpoint. */
async function positionsAfterCheckpoint(log: MemoryLog): Promise<string[][]> {
  return Promise.all(
    [0, 1].map(async (partition) => {
      const tp = { topic: userState, partition };
      const { low, high } = await log.offsets(tp);
      let after: string[] = [];
      await log.readRange(tp, low, high, (records) => {
        for (const r of records) {
          const position = r.headers[POSITION_HEADER] ?? '';
          if (r.key?.toString('utf8') === CHECKPOINT_KEY) after = [];
          else if (!after.includes(position)) after.push(position);
        }
      });
      return after;
    }),
  );
}

/** A process restoring from `log` settles with the digest `before` (the crashed process's). */
async function restoresTo(log: MemoryLog, env: Record<string, string>, before: Awaited<ReturnType<typeof settledAt>>): Promise<void> {
  const app = await startTestApp(env, { log });
  try {
    expect(await settledAt(app, (n) => n >= before.eventsApplied)).toEqual(before);
  } finally {
    await app.stop();
  }
}
