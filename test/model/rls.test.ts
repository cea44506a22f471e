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
});
