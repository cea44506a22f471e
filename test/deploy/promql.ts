import { Metrics } from '../../src/metrics.js';

const NON_METRIC_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/**
 * Metric names a PromQL expression reads. Strings, label matchers, range selectors, grouping clauses
 * and Grafana variables are removed first; what is left and is not a function call or keyword is a
 * metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const before = stripped[match.index - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // exponent or unit of a number/duration: 1e3, 30m
    const after = stripped.slice(match.index + word.length).trimStart();
    if (after.startsWith('(')) continue; // function or aggregation
    if (NON_METRIC_WORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** Every series name a real engine registry exposes, with histogram and summary suffixes. */
export async function exportedSeriesNames(): Promise<Set<string>> {
  const metrics = new Metrics();
  const text = await metrics.registry.metrics();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m === null) continue;
    const [, name, type] = m;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
