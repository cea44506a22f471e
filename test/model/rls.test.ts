import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { RlsRegression } from '../../src/model/index.js';
import { lcg } from './helpers.js';

describe('RLS order-value regression', () => {
  it('with forgetting factor 1 matches batch least squares', () => {
    const rnd = lcg(9);
    const rls = new RlsRegression(5, 1);
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let k = 0; k < 400; k++) {
      const x = [1, rnd() * 4, Math.log1p(rnd() * 20), 50 + rnd() * 200, 20 + rnd() * 300];
      const y = 10 + 3 * x[1] - 5 * x[2] + 0.4 * x[3] + 0.2 * x[4] + (rnd() - 0.5) * 40;
      xs.push(x);
      ys.push(y);
      rls.update(x, y);
      if (k >= 10 && k % 50 === 0) {
        const X = new Matrix(xs);
        const batch = solve(X.transpose().mmul(X), X.transpose().mmul(Matrix.columnVector(ys))).to1DArray();
        const w = rls.weights();
        for (let i = 0; i < 5; i++) expect(Math.abs(w[i] - batch[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(batch[i])));
      }
    }
    expect(rls.runningRmse()!).toBeGreaterThan(5);
    expect(rls.runningRmse()!).toBeLessThan(30);
  });

  it('predicts nothing until the samples determine the weights', () => {
    const rls = new RlsRegression(3, 1);
    expect(rls.predict([1, 2, 3])).toBeNull();
    // three collinear samples do not determine three weights
    for (let k = 0; k < 3; k++) rls.update([1, k, 2 * k], k);
    expect(rls.predict([1, 2, 3])).toBeNull();
    rls.update([1, 0, 1], 0.5);
    expect(rls.predict([1, 2, 3])).not.toBeNull();
    // a constant feature never determines its weight; after enough samples a ridge starts anyway
    const stuck = new RlsRegression(3, 1);
    for (let k = 0; k < 29; k++) stuck.update([1, 1, k], 2 * k);
    expect(stuck.predict([1, 1, 5])).toBeNull();
    stuck.update([1, 1, 29], 58);
    expect(stuck.predict([1, 1, 5])!).toBeCloseTo(10, 4);
    expect(rls.runningRmse()).toBeNull();
  });

  it('with forgetting follows a change of regime faster', () => {
    const rnd = lcg(2);
    const forgetful = new RlsRegression(2, 0.95);
    const exact = new RlsRegression(2, 1);
    for (let k = 0; k < 600; k++) {
      const x = [1, rnd() * 10];
      const y = k < 300 ? 2 * x[1] : 10 + 5 * x[1];
      forgetful.update(x, y);
      exact.update(x, y);
    }
    expect(Math.abs(forgetful.predict([1, 4])! - 30)).toBeLessThan(Math.abs(exact.predict([1, 4])! - 30));
    expect(forgetful.predict([1, 4])!).toBeCloseTo(30, 3);
  });

  it('one absurd sample moves the fit no more than an ordinary bad guess, before or after the start', () => {
    const truth = (x: number[]): number => 10 + 2 * x[1] + 0.5 * x[2];
    const sample = (rnd: () => number): number[] => [1, rnd() * 5, 20 + rnd() * 100];
    for (const outlierAt of [3, 200]) {
      const rnd = lcg(4);
      const clean = new RlsRegression(3, 0.995);
      const poisoned = new RlsRegression(3, 0.995);
      for (let k = 0; k < 400; k++) {
        const x = sample(rnd);
        const y = truth(x) + (rnd() - 0.5) * 4;
        clean.update(x, y);
        poisoned.update(x, y);
        if (k === outlierAt || k === outlierAt + 1) poisoned.update([1, 2, 1e15], 1e15);
      }
      const probe = [1, 2.5, 70];
      expect(Math.abs(poisoned.predict(probe)! - clean.predict(probe)!)).toBeLessThan(1);
      expect(poisoned.runningRmse()!).toBeLessThan(5 * clean.runningRmse()!);
    }
  });

  it('ignores non-finite input and starts afresh when its state overflows', () => {
    const rls = new RlsRegression(2, 1);
    rls.update([1, Number.NaN], 3);
    rls.update([1, 2], Number.POSITIVE_INFINITY);
    expect(rls.samples).toBe(0);
    // a feature that was 0 so far has no scale to call 1e200 absurd; its square overflows the Gram matrix
    for (let k = 0; k < 3; k++) rls.update([1, 0], 3);
    expect(rls.samples).toBe(3);
    rls.update([1, 1e200], 1);
    expect(rls.samples).toBe(0);
    expect(rls.ready).toBe(false);
    for (let k = 0; k < 10; k++) rls.update([1, k], 3 + 2 * k);
    expect(rls.predict([1, 20])!).toBeCloseTo(43, 6);
  });
});
