import { describe, expect, it } from 'vitest';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';
import { clicks, settledAt } from '../helpers/restart-stream.js';

describe('restart and restore (embedded log with DATA_DIR)', () => {
  it('restored state plus replay equals an uninterrupted run, and committed events are not applied twice', async () => {
    const base = Date.now() - 3_600_000;
    const dir = tempDir();

    const first = await startTestApp({ DATA_DIR: dir });
    expect((await postEvents(first, clicks(0, 300, base))).body.accepted).toBe(300);
    const before = await settledAt(first, (n) => n === 300);
    await first.stop();

    const second = await startTestApp({ DATA_DIR: dir });
    const restored = await settledAt(second, (n) => n >= 300);
    expect(restored).toEqual(before);
    // Re-sending already applied events changes nothing (duplicate event ids).
    expect((await postEvents(second, clicks(250, 300, base))).body.accepted).toBe(50);
    expect((await postEvents(second, clicks(300, 500, base))).body.accepted).toBe(200);
    const interrupted = await settledAt(second, (n) => n >= 500);
    await new Promise((r) => setTimeout(r, 200));
    expect(second.engine.digest().eventsApplied).toBe(500);
    await second.stop();

    const straight = await startTestApp({ DATA_DIR: tempDir() });
    await postEvents(straight, clicks(0, 500, base));
    const uninterrupted = await settledAt(straight, (n) => n >= 500);
    await straight.stop();
    expect(interrupted.stateHash).toBe(uninterrupted.stateHash);
    expect(interrupted.users).toBe(uninterrupted.users);
    expect(interrupted.items).toBe(uninterrupted.items);
  });

  it('an erased user stays erased after a restart', async () => {
    const base = Date.now() - 3_600_000;
    const dir = tempDir();
    const first = await startTestApp({ DATA_DIR: dir });
    await postEvents(first, clicks(0, 100, base));
    await waitFor(
      () => first.engine.digest(),
      (d) => d.eventsApplied === 100,
    );
    const usersBefore = first.engine.digest().users;
    const res = await fetch(`${first.url}/v1/users/user-3`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(first.engine.digest().users).toBe(usersBefore - 1);
    await first.stop();

    const second = await startTestApp({ DATA_DIR: dir });
    const after = await waitFor(
      () => second.engine.digest(),
      (d) => d.users >= usersBefore - 1,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(second.engine.digest().users).toBe(usersBefore - 1);
    expect(after.users).toBe(usersBefore - 1);
    await second.stop();
  });
});
