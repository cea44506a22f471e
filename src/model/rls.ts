import { inverse, Matrix, SingularValueDecomposition, solve } from 'ml-matrix';
import { SampleScales, type SampleScalesJson } from './sample-scales.js';

export interface RlsJson {
  forgetting: number;
  gram: number[][];
  moment: number[];
  p: number[][] | null;
  w: number[];
  samples: number;
  sqErr: number;
  errWeight: number;
  scales: SampleScalesJson;
}

/** The Gram matrix must be at least this well conditioned before P = (XᵀX)⁻¹ is trusted. */
const MAX_START_CONDITION = 1e10;

/** Samples per dimension after which an ill-conditioned start is ridged rather than postponed. */
const RIDGE_AFTER_SAMPLES_PER_DIMENSION = 10;

/** Weight of the newest squared error in the running RMSE. */
const ERROR_SMOOTHING = 0.01;

/**
 * Residuals beyond HUBER_K running RMS errors, or beyond the typical |target| if that is larger, are
 * clipped to it (Huber's clipped innovation): one absurd order then moves the weights no more than an
 * ordinary order guessed entirely wrong. 4σ leaves Gaussian noise alone (clipped about once in 16,000
 * samples); the |target| floor keeps a near-perfect fit from freezing when the regime changes. Until
 * the RMS error is known, residuals are clipped at SampleScales' bound for targets instead.
 */
const HUBER_K = 4;

/** The RMS error bounds residuals once it rests on about 20 of them (its weight 1 − 0.99²⁰). */
const ERROR_KNOWN_WEIGHT = 1 - (1 - ERROR_SMOOTHING) ** 20;

/**
 * A sample with xᵀPx above this lies so far outside what P has seen that the update would cancel P to
 * rounding noise (and make it indefinite): it is not learned, as it teaches nothing about the others.
 */
const MAX_LEVERAGE = 1e8;

/**
 * Recursive least squares with forgetting factor λ: minimises Σ λ^{n−k} (y_k − wᵀx_k)².
 * Exact start: until the (forgetting-weighted) Gram matrix is well conditioned it accumulates
 * XᵀX and Xᵀy, then sets P = (XᵀX)⁻¹ and w = P Xᵀy once; from there on the classic O(d²) update
 * k = Px/(λ + xᵀPx), w += k(y − wᵀx), P = (P − k xᵀP)/λ. With λ = 1 this equals batch least squares
 * as long as no sample is an outlier.
 *
 * Robust to one user's absurd samples: the first max(3, d) samples are held back until their medians
 * give the typical magnitudes (SampleScales); before the first prediction an outlying target is clipped
 * and a sample with an outlying feature is not learned; after it residuals are clipped (HUBER_K) and
 * samples of extreme leverage are not learned. Non-finite input is ignored, and a state that is no
 * longer finite (or a P no longer positive) is reset to a fresh start, so the regression recovers.
 */
export class RlsRegression {
  private gram: Matrix;
  private moment: Matrix;
  private p: Matrix | null = null;
  private w: Matrix;
  samples = 0;
  private sqErr = 0;
  private errWeight = 0;
  private scales: SampleScales;

  constructor(
    readonly dimensions: number,
    readonly forgetting: number,
  ) {
    this.gram = Matrix.zeros(dimensions, dimensions);
    this.moment = Matrix.zeros(dimensions, 1);
    this.w = Matrix.zeros(dimensions, 1);
    this.scales = new SampleScales(dimensions, Math.max(3, dimensions));
  }

  get ready(): boolean {
    return this.p !== null;
  }

  /** wᵀx, or null until the regression has enough independent samples (or when it is not finite). */
  predict(x: readonly number[]): number | null {
    if (this.p === null) return null;
    let s = 0;
    for (let i = 0; i < this.dimensions; i++) s += this.w.get(i, 0) * x[i];
    return Number.isFinite(s) ? s : null;
  }

  /** Predicts (for the running RMSE), then learns (x, y), robustly (see the class comment). */
  update(x: readonly number[], y: number): void {
    if (!Number.isFinite(y) || x.length !== this.dimensions || !x.every(Number.isFinite)) return;
    const { samples, held } = this.scales.admit(x, y);
    // held-back samples are in the scales already (their medians); a later one enters them now
    for (const [ax, ay] of samples) this.learnRobust(ax, ay, !held);
    if (!this.finite()) this.reset();
  }

  private learnRobust(x: readonly number[], target: number, observe: boolean): void {
    let y = target;
    const before = this.predict(x);
    if (before !== null) {
      const e = y - before;
      const errorKnown = this.errWeight >= ERROR_KNOWN_WEIGHT;
      const robust = Math.max(errorKnown ? HUBER_K * Math.sqrt(this.sqErr / this.errWeight) : 0, this.scales.typicalTarget());
      // until the RMS error is known, only residuals beyond an absurd target are clipped for learning
      const limit = errorKnown ? robust : this.scales.targetLimit();
      if (Math.abs(e) > limit) y = before + Math.sign(e) * limit;
      const scored = Math.min(Math.abs(e), robust);
      this.sqErr = (1 - ERROR_SMOOTHING) * this.sqErr + ERROR_SMOOTHING * scored * scored;
      this.errWeight = (1 - ERROR_SMOOTHING) * this.errWeight + ERROR_SMOOTHING;
    } else {
      y = this.scales.clipTarget(y);
    }
    const outlier = this.scales.isOutlier(x);
    if (observe) this.scales.observe(x, y);
    if (this.p === null && outlier) return;
    this.learn(x, y);
  }

  private learn(x: readonly number[], y: number): void {
    const lambda = this.forgetting;
    const xv = Matrix.columnVector(x as number[]);
    if (this.p === null) {
      this.samples++;
      // ml-matrix instance arithmetic is in place: the static forms below allocate
      this.gram = Matrix.add(Matrix.mul(this.gram, lambda), xv.mmul(xv.transpose()));
      this.moment = Matrix.add(Matrix.mul(this.moment, lambda), Matrix.mul(xv, y));
      if (this.samples >= this.dimensions) this.tryStart();
      return;
    }
    const px = this.p.mmul(xv);
    const leverage = xv.transpose().mmul(px).get(0, 0);
    if (!(leverage >= 0)) {
      // xᵀPx < 0: rounding has made P indefinite, and learning on would diverge
      this.reset();
      return;
    }
    if (leverage > MAX_LEVERAGE) return;
    this.samples++;
    const k = Matrix.div(px, lambda + leverage);
    const err = y - this.w.transpose().mmul(xv).get(0, 0);
    this.w = Matrix.add(this.w, Matrix.mul(k, err));
    this.p = Matrix.div(Matrix.sub(this.p, k.mmul(xv.transpose().mmul(this.p))), lambda);
  }

  private tryStart(): void {
    const d = this.dimensions;
    let gram = this.gram;
    const condition = new SingularValueDecomposition(gram).condition;
    if (!(condition < MAX_START_CONDITION)) {
      // a feature that never varied (e.g. every user orders weekly) must not block the regression
      // forever: after enough samples start from a slightly ridged Gram matrix instead
      if (this.samples < RIDGE_AFTER_SAMPLES_PER_DIMENSION * d) return;
      const ridge = Math.max(1e-9, (1e-6 * gram.trace()) / d);
      gram = Matrix.add(gram, Matrix.eye(d, d).mul(ridge));
    }
    const p = solve(gram, Matrix.eye(d, d));
    this.p = Matrix.div(Matrix.add(p, p.transpose()), 2);
    this.w = solve(gram, this.moment);
  }

  private finite(): boolean {
    if (!Number.isFinite(this.sqErr) || !this.scales.finite()) return false;
    if (this.p === null) return this.gram.to1DArray().every(Number.isFinite) && this.moment.to1DArray().every(Number.isFinite);
    return this.w.to1DArray().every(Number.isFinite) && this.p.to1DArray().every(Number.isFinite);
  }

  /** Back to a fresh start: the samples that broke the state are forgotten along with the rest. */
  private reset(): void {
    const d = this.dimensions;
    this.gram = Matrix.zeros(d, d);
    this.moment = Matrix.zeros(d, 1);
    this.w = Matrix.zeros(d, 1);
    this.p = null;
    this.samples = 0;
    if (!Number.isFinite(this.sqErr) || !this.scales.finite()) {
      this.sqErr = 0;
      this.errWeight = 0;
      this.scales = new SampleScales(d, this.scales.startSamples);
    }
  }

  /**
   * Running (exponentially weighted) RMS of the residuals of predictions made before each update, each
   * clipped at HUBER_K running RMS errors or the typical |target|, whichever is larger (a robust scale:
   * one absurd order moves it no more than an ordinary order guessed entirely wrong); null before any.
   */
  runningRmse(): number | null {
    return this.errWeight > 0 ? Math.sqrt(this.sqErr / this.errWeight) : null;
  }

  weights(): number[] {
    return this.w.to1DArray();
  }

  /** P and w once started (null before): the state a merge combines (see params.ts). */
  information(): { p: number[][]; w: number[] } | null {
    return this.p === null ? null : { p: this.p.to2DArray(), w: this.w.to1DArray() };
  }

  /**
   * Combines this regression (weight `own`) with `others` in information form: the weighted average of
   * P⁻¹ and of P⁻¹w becomes the new P⁻¹ and P⁻¹w, i.e. the least-squares fit on everyone's samples
   * when the weights are their sample counts. Nothing happens before this regression has started.
   */
  combineWith(others: ReadonlyArray<{ p: number[][]; w: number[]; weight: number }>, own: number): void {
    if (this.p === null) return;
    const d = this.dimensions;
    const parts = others.filter((o) => o.weight > 0 && o.w.length === d && o.p.length === d);
    const total = own + parts.reduce((s, o) => s + o.weight, 0);
    if (parts.length === 0 || !(total > 0)) return;
    try {
      let info = Matrix.zeros(d, d);
      let vec = Matrix.zeros(d, 1);
      const add = (p: Matrix, w: Matrix, weight: number): void => {
        const i = inverse(p);
        info = Matrix.add(info, Matrix.mul(i, weight / total));
        vec = Matrix.add(vec, Matrix.mul(i.mmul(w), weight / total));
      };
      add(this.p, this.w, own);
      for (const o of parts) add(new Matrix(o.p), Matrix.columnVector(o.w), o.weight);
      const p = inverse(info);
      const next = Matrix.div(Matrix.add(p, p.transpose()), 2);
      const w = next.mmul(vec);
      if (!next.to1DArray().every(Number.isFinite) || !w.to1DArray().every(Number.isFinite)) return;
      this.p = next;
      this.w = w;
    } catch {
      // a singular peer state: keep this one
    }
  }

  toJSON(): RlsJson {
    return {
      forgetting: this.forgetting,
      gram: this.gram.to2DArray(),
      moment: this.moment.to1DArray(),
      p: this.p === null ? null : this.p.to2DArray(),
      w: this.w.to1DArray(),
      samples: this.samples,
      sqErr: this.sqErr,
      errWeight: this.errWeight,
      scales: this.scales.toJSON(),
    };
  }

  static fromJSON(json: RlsJson): RlsRegression {
    const r = new RlsRegression(json.moment.length, json.forgetting);
    r.gram = new Matrix(json.gram);
    r.moment = Matrix.columnVector(json.moment);
    r.p = json.p === null ? null : new Matrix(json.p);
    r.w = Matrix.columnVector(json.w);
    r.samples = json.samples;
    r.sqErr = json.sqErr;
    r.errWeight = json.errWeight;
    r.scales = SampleScales.fromJSON(r.dimensions, r.scales.startSamples, json.scales);
    return r;
  }
}
