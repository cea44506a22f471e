import { describe, expect, it } from 'vitest';
import { DeltaWindow } from '../../src/bench/delta-window.js';

const counts = (sent: number, applied: number, duplicate = 0) => ({ sent, applied, duplicate });

describe('DeltaWindow', () => {
  it('holds the producer while the owners owe more than the limit and they are still taking deltas', () => {
    const window = new DeltaWindow(1_000, 3_000);
    expect(window.allows(counts(900, 0), 0)).toBe(true);
    expect(window.allows(counts(2_500, 1_000), 10)).toBe(false);
    // Owners taking deltas (duplicates count as taken) keep it closed until they are within the limit.
    expect(window.allows(counts(2_500, 1_200, 200), 5_000)).toBe(false);
    expect(window.allows(counts(2_500, 1_250, 200), 9_000)).toBe(false);
    expect(window.allows(counts(2_500, 1_250, 200), 11_999)).toBe(false);
    expect(window.allows(counts(2_500, 1_400, 200), 12_500)).toBe(true);
  });

  it('writes off what owners that stopped taking still owe, and bounds the deltas sent after that', () => {
    const window = new DeltaWindow(1_000, 3_000);
    expect(window.allows(counts(5_000, 2_000), 0)).toBe(false);
    expect(window.allows(counts(5_000, 2_000), 2_999)).toBe(false);
    // 3,000 lost: written off once the owners have taken nothing for 3 s.
    expect(window.allows(counts(5_000, 2_000), 3_000)).toBe(true);
    expect(window.allows(counts(5_900, 2_000), 3_100)).toBe(true);
    expect(window.allows(counts(6_500, 2_200), 3_200)).toBe(false);
    expect(window.allows(counts(6_500, 2_600), 3_300)).toBe(true);
  });
});
