import { describe, expect, it } from 'vitest';
import { inSlices, stepsInSlices } from '../src/slices.js';

/** Runs a sweep and records, in order, its groups and the turns of the event loop taken between them. */
async function trace(sliceMs: number, items: number[]): Promise<string[]> {
  const seen: string[] = [];
  let turns = 0;
  const tick = (): void => {
    turns++;
    timer = setImmediate(tick);
  };
  let timer = setImmediate(tick);
  let at = turns;
  await inSlices(items, sliceMs, (group) => {
    if (turns !== at) seen.push('turn');
    at = turns;
    seen.push(`${group[0]}..${group.at(-1)} (${group.length})`);
  });
  clearImmediate(timer);
  return seen;
}

describe('inSlices', () => {
  const forty = Array.from({ length: 40 }, (_, i) => i);

  it('hands every item over once, in order, in groups of at most 16', async () => {
    const all: number[] = [];
    await inSlices(forty, Number.POSITIVE_INFINITY, (group) => {
      expect(group.length).toBeLessThanOrEqual(16);
      all.push(...group);
    });
    expect(all).toEqual(forty);
  });

  it('lets the event loop turn between groups once a slice has taken its time, and never without a time', async () => {
    expect(await trace(0, forty)).toEqual(['0..15 (16)', 'turn', '16..31 (16)', 'turn', '32..39 (8)']);
    expect(await trace(Number.POSITIVE_INFINITY, forty)).toEqual(['0..15 (16)', '16..31 (16)', '32..39 (8)']);
    // without a time nothing else runs, not even a microtask, before every item is handed over
    const handed: number[] = [];
    const sweep = inSlices(forty, Number.POSITIVE_INFINITY, (group) => handed.push(...group));
    expect(handed).toEqual(forty);
    await sweep;
  });

  it('counts the consumer’s work on a group towards the slice', async () => {
    const seen: string[] = [];
    const timer = setImmediate(() => seen.push('turn'));
    await inSlices(forty, 5, (group) => {
      seen.push(String(group[0]));
      const until = performance.now() + 6;
      while (performance.now() < until);
    });
    clearImmediate(timer);
    expect(seen.slice(0, 3)).toEqual(['0', 'turn', '16']);
  });
});

describe('stepsInSlices', () => {
  /** Five steps, each noting itself; returns how many it took. */
  function* fiveSteps(seen: string[]): Generator<void, number, void> {
    for (let k = 0; k < 5; k++) {
      seen.push(`step ${k}`);
      yield;
    }
    return 5;
  }

  it('runs every step and returns the result, letting the event loop turn once a slice has taken its time', async () => {
    const sliced: string[] = [];
    let timer = setImmediate(function tick() {
      sliced.push('turn');
      timer = setImmediate(tick);
    });
    expect(await stepsInSlices(fiveSteps(sliced), 0)).toBe(5);
    clearImmediate(timer);
    expect(sliced.filter((s) => s !== 'turn')).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
    // a turn after each step but the last, which ends the pass
    expect(sliced.slice(0, 4)).toEqual(['step 0', 'turn', 'step 1', 'turn']);

    // without a time nothing else runs before the last step
    const whole: string[] = [];
    const pass = stepsInSlices(fiveSteps(whole), Number.POSITIVE_INFINITY);
    expect(whole).toHaveLength(5);
    expect(await pass).toBe(5);
  });
});
