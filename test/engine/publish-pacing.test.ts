import { describe, expect, it } from 'vitest';
import { CATCH_UP_PUBLISH_FACTOR, PublishPacing } from '../../src/engine/publish-pacing.js';

describe('an item owner publishing its rows', () => {
  it('publishes every interval when caught up, every CATCH_UP_PUBLISH_FACTOR intervals while deltas wait', () => {
    const pacing = new PublishPacing(250);
    const ticks = (from: number, n: number) => Array.from({ length: n }, (_, k) => pacing.take(from + k * 250));
    expect(ticks(0, 4)).toEqual([true, true, true, true]);

    pacing.applied('d-0', 100n, 100n);
    pacing.applied('d-1', 40n, 90n);
    expect(pacing.catchingUp).toBe(true);
    const behind = ticks(1000, 2 * CATCH_UP_PUBLISH_FACTOR);
    expect(behind.filter(Boolean)).toHaveLength(2);
    expect(behind[CATCH_UP_PUBLISH_FACTOR - 1]).toBe(true);

    // caught up again (or the lagging partition let go): every interval
    pacing.applied('d-1', 90n, 90n);
    expect(ticks(5000, 3)).toEqual([true, true, true]);
    pacing.applied('d-2', 1n, 5n);
    expect(pacing.take(5750)).toBe(false);
    pacing.release('d-2');
    expect(pacing.take(6000)).toBe(true);
  });
});
