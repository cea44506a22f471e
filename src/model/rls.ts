import { Matrix, SingularValueDecomposition, solve } from 'ml-matrix';

export interface RlsJson {
  forgetting: number;
  gram: number[][];
  moment: number[];
  p: number[][] | null;
  w: number[];
  samples: number;
  sqErr: number;
  errWeight: number;
}

/** The Gram matrix must be at least this well conditioned before P = (XᵀX)⁻¹ is trusted. */
const MAX_START_CONDITION = 1e10;

/** Samples per dimension after which an ill-conditioned start is ridged rather than postponed. */
const RIDGE_AFTER_SAMPLES_PER_DIMENSION = 10;

/** Weight of the newest squared error in the running RMSE. */
const ERROR_SMOOTHING = 0.01;

/**
 * Recursive least squares with forgetting factor λ: minimises Σ λ^{n−k} (y_k − wᵀx_k)².
 * Exact start: until the (forgetting-weighted) Gram matrix is well conditioned it accumulates
 * XᵀX and Xᵀy, then sets P = (XᵀX)⁻¹ and w = P Xᵀy once; from there on the classic O(d²) update
 * k = Px/(λ + xᵀPx), w += k(y − wᵀx), P = (P − k xᵀP)/λ. With λ = 1 this equals batch least squares.
 */
export class RlsRegression {
  private gram: Matrix;
  private moment: Matrix;
  private p: Matrix | null = null;
  private w: Matrix;
  samples = 0;
  private sqErr = 0;
  private errWeight = 0;

  constructor(readonly dimensions: number, readonly forgetting: number) {
    this.gram = Matrix.zeros(dimensions, dimensions);
    this.moment = Matrix.zeros(dimensions, 1);
    this.w = Matrix.zeros(dimensions, 1);
  }

  get ready(): boolean {
    return this.p !== null;
  }

  /** wᵀx, or null until the regression has enough independent samples. */
  predict(x: readonly number[]): number | null {
    if (this.p === null) return null;
    let s = 0;
    for (let i = 0; i < this.dimensions; i++) s += this.w.get(i, 0) * x[i];
    return s;
  }

  /** Predicts (for the running RMSE), then learns (x, y). */
  update(x: readonly number[], y: number): void {
    const before = this.predict(x);
    if (before !== null) {
      const e = y - before;
      this.sqErr = (1 - ERROR_SMOOTHING) * this.sqErr + ERROR_SMOOTHING * e * e;
      this.errWeight = (1 - ERROR_SMOOTHING) * this.errWeight + ERROR_SMOOTHING;
    }
    this.samples++;
    const lambda = this.forgetting;
    const xv = Matrix.columnVector(x as number[]);
    if (this.p === null) {
      // ml-matrix instance arithmetic is in place: the static forms below allocate
      this.gram = Matrix.add(Matrix.mul(this.gram, lambda), xv.mmul(xv.transpose()));
      this.moment = Matrix.add(Matrix.mul(this.moment, lambda), Matrix.mul(xv, y));
      if (this.samples >= this.dimensions) this.tryStart();
      return;
    }
    const px = this.p.mmul(xv);
    const denom = lambda + xv.transpose().mmul(px).get(0, 0);
    const k = Matrix.div(px, denom);
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

  /** Running (exponentially weighted) RMSE of predictions made before each update; null before any. */
  runningRmse(): number | null {
    return this.errWeight > 0 ? Math.sqrt(this.sqErr / this.errWeight) : null;
  }

  weights(): number[] {
    return this.w.to1DArray();
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
    return r;
  }
}
