/**
 * Orders the positions order[0..n) by score[position], highest first, then by idOf(position), lowest
 * first: in place, by insertion. They are few (about a list's or a neighbour row's size), and a typed
 * array's sort with a comparator copies the array, boxes its elements and calls the comparator for
 * every comparison; here the ids are read only for equal scores.
 */
export function orderByScore(order: Int32Array, n: number, score: Float64Array, idOf: (position: number) => string): void {
  for (let k = 1; k < n; k++) {
    const t = order[k];
    const a = score[t];
    let j = k - 1;
    while (j >= 0) {
      const u = order[j];
      const b = score[u];
      if (b > a || (b === a && idOf(u) <= idOf(t))) break;
      order[j + 1] = u;
      j--;
    }
    order[j + 1] = t;
  }
}
