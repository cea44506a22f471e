/** Cumulative bucket counts of a Prometheus histogram: upper bound in seconds (Infinity for +Inf) → count. */
export type Buckets = Map<number, number>;

/** Bucket-wise sum: the histogram of several processes together. */
export function addBuckets(all: readonly Buckets[]): Buckets {
  const sum: Buckets = new Map();
  for (const buckets of all) for (const [le, count] of buckets) sum.set(le, (sum.get(le) ?? 0) + count);
  return sum;
}

/** Prometheus-style quantile (linear inside the bucket) of the observations between two snapshots, in ms. */
export function histogramQuantileMs(before: Buckets, after: Buckets, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i]!;
    const count = counts[i]!;
    if (count >= rank) {
      if (upper === Infinity) return Math.round(lowerBound * 1000);
      const inBucket = count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return Math.round((lowerBound + (upper - lowerBound) * fraction) * 10_000) / 10;
    }
    lowerBound = upper;
    lowerCount = count;
  }
  return null;
}
