export interface FtrlParams {
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
}

export interface FtrlJson {
  z: number[];
  n: number[];
  updates: number;
  loss: number;
  lossWeight: number;
}

/** Weight of the newest example in the exponentially weighted running log-loss. */
const LOSS_SMOOTHING = 0.001;

/**
 * FTRL-Proximal logistic regression (McMahan et al. 2013) over dense feature vectors, with
 * per-coordinate adaptive learning rates. `learn` returns the log-loss of its prediction made before
 * the update, which also feeds the running (exponentially weighted, bias-corrected) log-loss.
 */
export class FtrlRegression {
  private readonly z: Float64Array;
  private readonly n: Float64Array;
  private readonly w: Float64Array;
  updates = 0;
  private loss = 0;
  private lossWeight = 0;

  constructor(
    readonly dimensions: number,
    readonly params: FtrlParams,
  ) {
    this.z = new Float64Array(dimensions);
    this.n = new Float64Array(dimensions);
    this.w = new Float64Array(dimensions);
  }

  private refreshWeights(): void {
    const { alpha, beta, l1, l2 } = this.params;
    for (let i = 0; i < this.dimensions; i++) {
      const zi = this.z[i];
      this.w[i] = Math.abs(zi) <= l1 ? 0 : -(zi - Math.sign(zi) * l1) / ((beta + Math.sqrt(this.n[i])) / alpha + l2);
    }
  }

  /** The linear score w·x (the logit). */
  logit(x: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i < this.dimensions; i++) s += this.w[i] * x[i];
    return s;
  }

  /** P(label = 1); `offset` is a fixed base logit the weights correct (boosting from a prior score). */
  predict(x: ArrayLike<number>, offset = 0): number {
    return sigmoid(offset + this.logit(x));
  }

  /** One online step on (x, label ∈ {0,1}); returns the log-loss of the pre-update prediction. */
  learn(x: ArrayLike<number>, label: 0 | 1, offset = 0): number {
    const p = this.predict(x, offset);
    const g = p - label;
    const { alpha } = this.params;
    for (let i = 0; i < this.dimensions; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const gi = g * xi;
      const ni = this.n[i];
      const sigma = (Math.sqrt(ni + gi * gi) - Math.sqrt(ni)) / alpha;
      this.z[i] += gi - sigma * this.w[i];
      this.n[i] = ni + gi * gi;
    }
    this.refreshWeights();
    const clipped = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
    const loss = label === 1 ? -Math.log(clipped) : -Math.log(1 - clipped);
    this.loss = (1 - LOSS_SMOOTHING) * this.loss + LOSS_SMOOTHING * loss;
    this.lossWeight = (1 - LOSS_SMOOTHING) * this.lossWeight + LOSS_SMOOTHING;
    this.updates++;
    return loss;
  }

  /** Running log-loss, or null before the first update. */
  runningLogLoss(): number | null {
    return this.lossWeight > 0 ? this.loss / this.lossWeight : null;
  }

  weights(): number[] {
    return [...this.w];
  }

  /** z and n, the state a merge averages (see params.ts). */
  accumulators(): { z: number[]; n: number[] } {
    return { z: [...this.z], n: [...this.n] };
  }

  /**
   * Replaces z and n by the weighted average of this regression's (weight `own`) and `others'`: model
   * averaging across processes that each trained on their share of the examples.
   */
  averageWith(others: ReadonlyArray<{ z: readonly number[]; n: readonly number[]; weight: number }>, own: number): void {
    const parts = others.filter((o) => o.weight > 0 && o.z.length === this.dimensions && o.n.length === this.dimensions);
    const total = own + parts.reduce((s, o) => s + o.weight, 0);
    if (parts.length === 0 || !(total > 0)) return;
    for (let i = 0; i < this.dimensions; i++) {
      let z = own * this.z[i];
      let n = own * this.n[i];
      for (const o of parts) {
        z += o.weight * o.z[i];
        n += o.weight * o.n[i];
      }
      this.z[i] = z / total;
      this.n[i] = n / total;
    }
    this.refreshWeights();
  }

  toJSON(): FtrlJson {
    return { z: [...this.z], n: [...this.n], updates: this.updates, loss: this.loss, lossWeight: this.lossWeight };
  }

  static fromJSON(params: FtrlParams, json: FtrlJson): FtrlRegression {
    const f = new FtrlRegression(json.z.length, params);
    f.z.set(json.z);
    f.n.set(json.n);
    f.updates = json.updates;
    f.loss = json.loss;
    f.lossWeight = json.lossWeight;
    f.refreshWeights();
    return f;
  }
}

export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}
