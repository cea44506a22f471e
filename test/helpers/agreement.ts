/** How far two runs' answers agree: ranked lists compared as sets, keys chosen by frequency. */

/** Share of the longer list that the other one holds too (1: same items, in any order). */
export const overlap = (a: readonly string[], b: readonly string[]): number => {
  const inB = new Set(b);
  return a.filter((x) => inB.has(x)).length / Math.max(a.length, b.length, 1);
};

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);

/**
 * Mean overlap of two runs' lists over the compared keys (`a[i]` and `b[i]` answer the same key), to 9
 * decimals: a mean of ratios that is exactly a threshold (thirty lists at 0.9, thirty at 1: 0.95) could
 * otherwise come out a few ulps below it.
 */
export const agreement = (a: readonly string[][], b: readonly string[][]): number =>
  Math.round(mean(a.map((list, i) => overlap(list, b[i] ?? []))) * 1e9) / 1e9;

export function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The `n` keys counted most often, ties by key so the choice is deterministic. */
export function mostFrequent(counts: ReadonlyMap<string, number>, n: number): string[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}
