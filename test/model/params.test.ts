import { describe, expect, it } from 'vitest';
import { exportParams, mergeParams } from '../../src/model/params.js';
import { RlsRegression } from '../../src/model/rls.js';
import { ModelState } from '../../src/model/state.js';
import { resolveConfig } from '../../src/model/types.js';
import { lcg } from './helpers.js';

describe('ranker and regression weights merged across processes', () => {
  it('the order-value regression combined from two halves equals the fit on all samples', () => {
    const next = lcg(7);
    const rows = Array.from({ length: 400 }, () => {
      const x = [1, next() * 4, next() * 2, next()];
      return { x, y: 3 + 2 * x[1] - x[2] + 0.5 * x[3] + (next() - 0.5) * 0.1 };
    });
    const all = new RlsRegression(4, 1);
    const a = new RlsRegression(4, 1);
    const b = new RlsRegression(4, 1);
    for (const [k, r] of rows.entries()) {
      all.update(r.x, r.y);
      (k % 2 === 0 ? a : b).update(r.x, r.y);
    }
    const info = b.information();
    expect(info).not.toBeNull();
    a.combineWith([{ ...info!, weight: b.samples }], a.samples);
    const merged = a.weights();
    const pooled = all.weights();
    for (let i = 0; i < 4; i++) expect(merged[i]).toBeCloseTo(pooled[i], 2);
  });

  it('the ranker takes the example-weighted average of the accumulators, and a lone process keeps its own', () => {
    const config = resolveConfig();
    const one = new ModelState(config);
    const two = new ModelState(config);
    const x = new Float64Array(one.ranker.dimensions).fill(0.5);
    for (let k = 0; k < 30; k++) one.ranker.learn(x, 1, 0);
    for (let k = 0; k < 10; k++) two.ranker.learn(x, 0, 0);
    const before = exportParams(one);
    mergeParams(one, []);
    expect(exportParams(one)).toEqual(before);
    const peer = exportParams(two);
    mergeParams(one, [peer]);
    const after = exportParams(one).ranker;
    for (let i = 0; i < after.z.length; i++) {
      expect(after.z[i]).toBeCloseTo((30 * before.ranker.z[i] + 10 * peer.ranker.z[i]) / 40, 12);
      expect(after.n[i]).toBeCloseTo((30 * before.ranker.n[i] + 10 * peer.ranker.n[i]) / 40, 12);
    }
    expect(after.trained).toBe(30);
  });
});
