import { describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp } from '../helpers/app.js';
import { dyingInCommit } from '../helpers/dying-log.js';
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
    let second: RunningApp | null = null;
    try {
      // a first commit is due at once: the first batch is checkpointed
      expect((await postEvents(first, clicks(0, 300, base))).body.accepted).toBe(300);
      await settledAt(first, (n) => n >= 300);
      await first.engine.stateWritten();
      expect((await postEvents(first, clicks(300, 600, base))).body.accepted).toBe(300);
      const before = await settledAt(first, (n) => n >= 600);
      expect(before.eventsApplied).toBe(600);

      // stopping writes the users changed since: the process dies before the checkpoints land
      dying.arm();
      const stopped = first.stop().catch(() => undefined);
      await dying.died;
      await stopped;

      second = await startTestApp(env, { log });
      expect(await settledAt(second, (n) => n >= 600)).toEqual(before);
    } finally {
      await second?.stop();
      await log.close();
    }
  });
});
