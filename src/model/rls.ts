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
      this.gram = this.gram.mul(lambda).add(xv.mmul(xv.transpose()));
      this.moment = this.moment.mul(lambda).add(xv.mul(y));
      if (this.samples >= this.dimensions) this.tryStart();
      return;
    }
    const px = this.p.mmul(xv);
    const denom = lambda + xv.transpose().mmul(px).get(0, 0);
    const k = px.div(denom);
    const err = y - this.w.transpose().mmul(xv).get(0, 0);
    this.w = this.w.add(k.mul(err));
    this.p = this.p.sub(k.mmul(xv.transpose().mmul(this.p))).div(lambda);
  }

  private tryStart(): void {
    const d = this.dimensions;
    const condition = new SingularValueDecomposition(this.gram).condition;
    if (!(condition < MAX_START_CONDITION)) return;
    const p = solve(this.gram, Matrix.eye(d, d));
    this.p = p.add(p.transpose()).div(2);
    this.w = solve(this.gram, this.moment);
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
