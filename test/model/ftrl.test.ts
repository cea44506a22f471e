import { describe, expect, it } from 'vitest';
import { FtrlRegression } from '../../src/model/index.js';
import { lcg } from './helpers.js';

function auc(scores: number[], labels: number[]): number {
  const pos = scores.filter((_, i) => labels[i] === 1);
  const neg = scores.filter((_, i) => labels[i] === 0);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

describe('FTRL-Proximal ranker', () => {
  it('reaches AUC > 0.9 on linearly separable data, with a falling running log-loss', () => {
    const rnd = lcg(5);
    const truth = [0.5, 2, -3, 1.5, 0, -1];
    const sample = (): { x: number[]; y: 0 | 1 } => {
      const x = [1, ...Array.from({ length: 5 }, () => rnd() * 2 - 1)];
      const s = x.reduce((acc, v, i) => acc + v * truth[i], 0);
      return { x, y: s > 0 ? 1 : 0 };
    };
    const f = new FtrlRegression(6, { alpha: 0.5, beta: 1, l1: 0.1, l2: 0.1 });
    expect(f.runningLogLoss()).toBeNull();
    for (let k = 0; k < 300; k++) {
      const { x, y } = sample();
      f.learn(x, y);
    }
    const early = f.runningLogLoss()!;
    for (let k = 0; k < 5000; k++) {
      const { x, y } = sample();
      f.learn(x, y);
    }
    expect(f.runningLogLoss()!).toBeLessThan(early);
    const test = Array.from({ length: 2000 }, sample);
    expect(
      auc(
        test.map((t) => f.predict(t.x)),
        test.map((t) => t.y),
      ),
    ).toBeGreaterThan(0.9);
    // the irrelevant feature is pushed to exactly zero by the L1 term, the strong ones are not
    const w = f.weights();
    expect(Math.abs(w[2])).toBeGreaterThan(Math.abs(w[4]));
    expect(Math.sign(w[2])).toBe(-1);
  });

  it('round-trips through JSON', () => {
    const f = new FtrlRegression(3, { alpha: 0.1, beta: 1, l1: 0, l2: 0 });
    f.learn([1, 0.5, -1], 1);
    f.learn([1, -0.5, 1], 0);
    const g = FtrlRegression.fromJSON(f.params, JSON.parse(JSON.stringify(f.toJSON())));
    expect(g.predict([1, 0.2, 0.3])).toBe(f.predict([1, 0.2, 0.3]));
    expect(g.runningLogLoss()).toBe(f.runningLogLoss());
  });
});
