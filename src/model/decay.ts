/**
 * Forward decay (Cormode et al.): a weight w observed at time t is stored as w·e^{λ(t−t0)}. Every stored
 * value then shares the common factor e^{−λ(now−t0)}, so ratios (cosine, shares, rankings) never need
 * it and nothing has to be touched when time passes. When the exponent grows large the landmark t0 is
 * moved forward and every stored value is rescaled once (`renormalise`).
 */
export class ForwardDecay {
  /** Decay rate per millisecond (0 = no decay). */
  readonly rate: number;
  /** Landmark time (epoch ms); null until the first event fixes it. */
  t0: number | null;

  constructor(halfLifeHours: number, t0: number | null = null) {
    this.rate = halfLifeHours > 0 ? Math.LN2 / (halfLifeHours * 3_600_000) : 0;
    this.t0 = t0;
  }

  /** Multiplier turning a weight observed at `time` into stored units. */
  scale(time: number): number {
    if (this.rate === 0) return 1;
    if (this.t0 === null) this.t0 = time;
    return Math.exp(this.rate * (time - this.t0));
  }

  /** Multiplier turning stored units into the real (decayed) value at `now`. */
  valueFactor(now: number): number {
    if (this.rate === 0 || this.t0 === null) return 1;
    return Math.exp(-this.rate * (now - this.t0));
  }

  /**
   * Multiplier moving a value stored at landmark `t0` (another state's, e.g. a delta's sender) to this
   * decay's landmark: w·e^{λ(t−t0)} becomes w·e^{λ(t−this.t0)}. 1 while either landmark is unknown.
   */
  fromLandmark(t0: number | null): number {
    return t0 === null || this.t0 === null || this.rate === 0 ? 1 : Math.exp(this.rate * (t0 - this.t0));
  }

  /**
   * When `time` is far past the landmark, moves the landmark to `time` and returns the factor every
   * stored (linear) value must be multiplied by; otherwise returns null. Squared quantities take the
   * factor squared. e^60 keeps squared values far from overflow.
   */
  renormaliseAt(time: number): number | null {
    if (this.rate === 0 || this.t0 === null) return null;
    const exponent = this.rate * (time - this.t0);
    if (exponent < 60) return null;
    this.t0 = time;
    return Math.exp(-exponent);
  }
}
