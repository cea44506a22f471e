import { describe, expect, it } from 'vitest';
import { slices } from '../src/slices.js';

/** Runs `sweep` and records, in order, its groups and the turns of the event loop taken between them. */
async function trace(sweep: AsyncGenerator<number[]>): Promise<string[]> {
  const seen: string[] = [];
  let turns = 0;
  const tick = (): void => {
    turns++;
    timer = setImmediate(tick);
  };
  let timer = setImmediate(tick);
  let at = turns;
  for await (const group of sweep) {
    if (turns !== at) seen.push('turn');
    at = turns;
    seen.push(`${group[0]}..${group.at(-1)} (${group.length})`);
  }
  clearImmediate(timer);
  return seen;
}

describe('slices', () => {
  const hundred = Array.from({ length: 40 }, (_, i) => i);

  it('hands every item over once, in order, in groups of at most 16', async () => {
    const all: number[] = [];
    for await (const group of slices(hundred, Number.POSITIVE_INFINITY)) {
      expect(group.length).toBeLessThanOrEqual(16);
      all.push(...group);
    }
    expect(all).toEqual(hundred);
  });

  it('lets the event loop turn between groups once a slice has taken its time, and never without a time', async () => {
    expect(await trace(slices(hundred, 0))).toEqual(['0..15 (16)', 'turn', '16..31 (16)', 'turn', '32..39 (8)']);
    expect(await trace(slices(hundred, Number.POSITIVE_INFINITY))).toEqual(['0..15 (16)', '16..31 (16)', '32..39 (8)']);
  });

  it('counts the consumer’s work on a group towards the slice', async () => {
    const seen: string[] = [];
    const timer = setImmediate(() => seen.push('turn'));
    for await (const group of slices(hundred, 5)) {
      seen.push(String(group[0]));
      const until = performance.now() + 6;
      while (performance.now() < until);
    }
    clearImmediate(timer);
    expect(seen.slice(0, 3)).toEqual(['0', 'turn', '16']);
  });
});
