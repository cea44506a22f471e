/** Weight of the newest sample in the running means. */
const SMOOTHING = 0.01;

/**
 * A target beyond TARGET_K times the mean |target| is clipped to that bound; a feature beyond FEATURE_K
 * times its mean magnitude flags the sample as an outlier (features such as log-recency legitimately
 * range over an order of magnitude or two around a small mean; only absurd ones go this far). Either
 * enters the means clipped to its bound.
 */
const TARGET_K = 10;
const FEATURE_K = 1000;

export interface SampleScalesJson {
  /** The first samples, until there are enough for a median (null once started). */
  buffer: Array<[number[], number]> | null;
  absTarget: number;
  absFeatures: number[];
  weight: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Typical magnitudes of a regression's targets and features (exponentially weighted mean |value|) that
 * one sample cannot inflate: they start from the medians of the first `startSamples` samples, and every
 * later value enters them clipped (TARGET_K, FEATURE_K times the current mean).
 */
export class SampleScales {
  private buffer: Array<[number[], number]> | null = [];
  private absTarget = 0;
  private absFeatures: number[];
  /** Total weight of the means (1 − (1 − SMOOTHING)ⁿ after n samples): mean = sum / weight. */
  private weight = 0;

  constructor(
    readonly dimensions: number,
    readonly startSamples: number,
  ) {
    this.absFeatures = new Array<number>(dimensions).fill(0);
  }

  get started(): boolean {
    return this.buffer === null;
  }

  /**
   * Admits a sample. Before the start it is held back (nothing to learn yet); the sample that completes
   * the start releases all held ones, oldest first, whose medians are now the scales (`held`); after the
   * start, the sample itself, which the caller should `observe`.
   */
  admit(x: readonly number[], y: number): { samples: Array<[number[], number]>; held: boolean } {
    if (this.buffer === null) return { samples: [[[...x], y]], held: false };
    this.buffer.push([[...x], y]);
    if (this.buffer.length < this.startSamples) return { samples: [], held: true };
    const held = this.buffer;
    this.buffer = null;
    this.weight = 1 - (1 - SMOOTHING) ** held.length;
    this.absTarget = median(held.map(([, t]) => Math.abs(t))) * this.weight;
    for (let i = 0; i < this.dimensions; i++) this.absFeatures[i] = median(held.map(([f]) => Math.abs(f[i]))) * this.weight;
    return { samples: held, held: true };
  }

  /** Mean |target| (0 before the start). */
  typicalTarget(): number {
    return this.weight > 0 ? this.absTarget / this.weight : 0;
  }

  private bound(k: number, sum: number): number {
    return this.weight > 0 && sum > 0 ? (k * sum) / this.weight : Infinity;
  }

  /** TARGET_K times the mean |target| (Infinity before the start). */
  targetLimit(): number {
    return this.bound(TARGET_K, this.absTarget);
  }

  /** `y` clipped to targetLimit(). */
  clipTarget(y: number): number {
    const limit = this.targetLimit();
    return Math.abs(y) > limit ? Math.sign(y) * limit : y;
  }

  /** True when a feature lies beyond FEATURE_K times its mean magnitude. */
  isOutlier(x: readonly number[]): boolean {
    for (let i = 0; i < this.dimensions; i++) if (Math.abs(x[i]) > this.bound(FEATURE_K, this.absFeatures[i])) return true;
    return false;
  }

  /** Moves the means towards the sample, its values clipped first. */
  observe(x: readonly number[], y: number): void {
    const keep = 1 - SMOOTHING;
    this.absTarget = keep * this.absTarget + SMOOTHING * Math.min(Math.abs(y), this.bound(TARGET_K, this.absTarget));
    for (let i = 0; i < this.dimensions; i++) {
      this.absFeatures[i] = keep * this.absFeatures[i] + SMOOTHING * Math.min(Math.abs(x[i]), this.bound(FEATURE_K, this.absFeatures[i]));
    }
    this.weight = keep * this.weight + SMOOTHING;
  }

  finite(): boolean {
    return Number.isFinite(this.absTarget) && this.absFeatures.every(Number.isFinite);
  }

  toJSON(): SampleScalesJson {
    return {
      buffer: this.buffer === null ? null : this.buffer.map(([x, y]) => [[...x], y]),
      absTarget: this.absTarget,
      absFeatures: [...this.absFeatures],
      weight: this.weight,
    };
  }

  static fromJSON(dimensions: number, startSamples: number, json: SampleScalesJson): SampleScales {
    const s = new SampleScales(dimensions, startSamples);
    s.buffer = json.buffer === null ? null : json.buffer.map(([x, y]) => [[...x], y]);
    s.absTarget = json.absTarget;
    s.absFeatures = [...json.absFeatures];
    s.weight = json.weight;
    return s;
  }
}
