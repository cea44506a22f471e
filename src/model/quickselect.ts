/** The k-th largest value (1 ≤ k ≤ length) by quickselect; reorders `values`. */
export function kthLargest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/** The k-th smallest value (1 ≤ k ≤ length): the (length − k + 1)-th largest; reorders `values`. */
export function kthSmallest(values: Float64Array, k: number): number {
  return kthLargest(values, values.length - k + 1);
}

/**
 * A buffer for selections, grown on demand and reused: each model holds its own, so two models in
 * one process never write into the same memory.
 */
export class SelectionBuffer {
  private values: Float64Array;

  constructor(initial = 0) {
    this.values = new Float64Array(initial);
  }

  /** The first `n` slots, as a view (contents left from earlier use). */
  view(n: number): Float64Array {
    if (this.values.length < n) this.values = new Float64Array(n * 2);
    return this.values.subarray(0, n);
  }
}
