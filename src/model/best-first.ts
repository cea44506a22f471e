/**
 * The places of the `limit` highest of `scores[0, n)`, highest first, a tie in place order: what a
 * stable sort by score, cut at `limit`, keeps. By insertion, for the few tens of candidates a list
 * scores: sorting objects that pair each candidate with its score allocated them per list.
 */
export function bestFirst(scores: Float64Array, n: number, limit: number): number[] {
  const best: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = scores[k];
    // an earlier place wins a tie, so k goes after every place scoring at least s
    let at = best.length;
    while (at > 0 && s > scores[best[at - 1]]) at--;
    if (at >= limit) continue;
    const length = best.length < limit ? best.length + 1 : limit;
    for (let i = length - 1; i > at; i--) best[i] = best[i - 1];
    best[at] = k;
  }
  return best;
}
