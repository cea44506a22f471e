import type { ContenderResult, PrequentialResult } from './prequential.js';

function byName(result: PrequentialResult, name: string): ContenderResult {
  const found = result.contenders.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no contender ${name}`);
  return found;
}

const figures = (c: ContenderResult) => ({
  recall: c.recall,
  ndcg: c.ndcg,
  hits: c.hits,
  seconds: c.seconds,
  eventsPerSecond: c.eventsPerSecond,
});

/** The `eval --json` object: first the fields scripts rely on (events, evaluated, k, eventsPerSecond, each contender's recall and ndcg). */
export function evalReport(
  result: PrequentialResult,
  context: { input: string; minRating: number | null; columns: string[]; read: unknown },
) {
  const recstream = byName(result, 'recstream');
  return {
    events: result.events,
    evaluated: result.evaluated,
    k: result.k,
    eventsPerSecond: recstream.eventsPerSecond,
    recstream: figures(recstream),
    baselines: {
      popularity: figures(byName(result, 'popularity')),
      itemKnn: figures(byName(result, 'itemKnn')),
    },
    users: result.users,
    items: result.items,
    model: recstream.stats,
    input: { path: context.input, columns: context.columns, minRating: context.minRating, read: context.read },
  };
}

/** The human-readable `eval` result: one row per contender. */
export function formatEvalTable(result: PrequentialResult): string {
  const rows = result.contenders.map((c) => [
    c.name,
    c.recall.toFixed(4),
    c.ndcg.toFixed(4),
    String(c.hits),
    Math.round(c.eventsPerSecond).toString(),
  ]);
  const head = ['contender', `recall@${result.k}`, `ndcg@${result.k}`, 'hits', 'events/s'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const stats = byName(result, 'recstream').stats;
  return [
    `events ${result.events}, scored ${result.evaluated}, users ${result.users}, items ${result.items}`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    stats === null
      ? ''
      : `recstream model: ${stats.users} users, ${stats.items} items, ${stats.neighborEntries} neighbour entries, ~${(stats.approxBytes / 1048576).toFixed(1)} MiB`,
    '',
  ].join('\n');
}
