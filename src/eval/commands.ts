import { createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { CLICK_TYPES, type EventType } from '../events/types.js';
import { Recommender } from '../model/index.js';
import { ItemKnnBaseline } from './baselines/item-knn.js';
import { PopularityBaseline } from './baselines/popularity.js';
import { ColumnError } from './columns.js';
import { recommenderContender } from './contender.js';
import { csvLine } from './csv-write.js';
import { eventCsvRows, generateEvents, GENERATED_CSV_HEADER, defaultItemCount } from './generate.js';
import { readInteractionFile } from './interactions.js';
import { runPrequential, type ContenderResult, type PrequentialResult } from './prequential.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

const EVAL_USAGE = `Usage: recstream eval --input FILE.csv[.gz] [options]

Prequential (test-then-learn) evaluation of recstream against popularity and item-kNN baselines.
  --input FILE        CSV log with a header (gzip detected); required
  --k N               list length for recall@K / NDCG@K (default 10)
  --min-rating R      keep only rows rated >= R (needs a rating column)
  --limit N           evaluate only the first N events in time order
  --json              one JSON object on stdout
  --user-col C --item-col C --time-col C --rating-col C --type-col C
                      force column names (default: detected, case-insensitive)
  --default-type T    event type of every row when there is no type column (default click)
Model knobs come from the MODEL_* environment variables, as for 'recstream start'.
`;

const GENERATE_USAGE = `Usage: recstream generate [options]

Synthetic shoppers (taste clusters, Zipf popularity, sessions, view→cart→purchase funnels, taste drift)
as CSV: userId,itemId,timestamp,type,price,sessionId (a purchase is one row per order line).
  --users N        shoppers (default 1000)
  --events N       tracking events to generate (default 100000)
  --items N        catalogue size (default users/2, 50..5000)
  --categories N   taste clusters (default 12)
  --seed S         PRNG seed; the same seed gives the same file (default 1)
  --output FILE    write to FILE instead of stdout
  --to-topics      send the events live instead (timestamps = now): into the input topics when
                   KAFKA_BROKERS is set, else POST to --url (default http://localhost:PORT)
  --rate N         with --to-topics: events per second (default 100; 0 = as fast as possible)
  --url URL        with --to-topics and no KAFKA_BROKERS: the engine's base URL
`;

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < 1) throw new UsageError(`${flag} must be a positive integer, got '${raw}'`);
  return v;
}

/** Runs node:util parseArgs, turning its errors (unknown flag, missing value) into usage errors. */
function parse<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function withUsage(io: CommandIo, usage: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ColumnError) {
      io.stderr.write(`recstream: ${err.message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
}

/** `recstream eval`: resolves to the exit code. */
export async function runEval(argv: string[], io: CommandIo): Promise<number> {
  return withUsage(io, EVAL_USAGE, async () => {
    const { values } = parse(() => parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      input: { type: 'string' },
      k: { type: 'string' },
      'min-rating': { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      'user-col': { type: 'string' },
      'item-col': { type: 'string' },
      'time-col': { type: 'string' },
      'rating-col': { type: 'string' },
      'type-col': { type: 'string' },
      'default-type': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    } }));
    if (values.help === true) {
      io.stdout.write(EVAL_USAGE);
      return 0;
    }
    const input = values.input;
    if (input === undefined || input === '') throw new UsageError('--input FILE.csv is required');
    try {
      await access(input);
    } catch {
      throw new UsageError(`--input '${input}' cannot be read`);
    }
    const k = positiveInt('--k', values.k, 10);
    const limit = values.limit === undefined ? null : positiveInt('--limit', values.limit, 0);
    let minRating: number | null = null;
    if (values['min-rating'] !== undefined) {
      minRating = Number(values['min-rating']);
      if (values['min-rating'].trim() === '' || !Number.isFinite(minRating)) throw new UsageError(`--min-rating must be a number, got '${values['min-rating']}'`);
    }
    const allowedTypes: readonly string[] = [...CLICK_TYPES, 'purchase'];
    const defaultType = values['default-type'] ?? 'click';
    if (!allowedTypes.includes(defaultType)) throw new UsageError(`--default-type must be one of ${allowedTypes.join(', ')}, got '${defaultType}'`);
    const modelConfig = loadConfig().model;

    const started = Date.now();
    io.stderr.write(`reading ${input}\n`);
    const log = await readInteractionFile(input, {
      defaultType: defaultType as EventType,
      columns: {
        user: values['user-col'],
        item: values['item-col'],
        time: values['time-col'],
        rating: values['rating-col'],
        type: values['type-col'],
      },
    });
    if (minRating !== null && log.columns.rating === null) throw new UsageError('--min-rating needs a rating column (name it with --rating-col)');
    const s = log.stats;
    io.stderr.write(
      `${s.rows} rows, ${s.kept} kept; skipped: ${s.skippedEmptyUserOrItem} empty user/item, ${s.skippedBadTimestamp} bad timestamp, ` +
      `${s.skippedUnknownType} unknown type${s.unknownTypes.length > 0 ? ` (${s.unknownTypes.join(', ')})` : ''}\n`,
    );
    const model = new Recommender(modelConfig);
    const result = runPrequential(log.interactions, [recommenderContender(model), new PopularityBaseline(), new ItemKnnBaseline()], {
      k,
      minRating,
      limit,
      progressEvery: 50_000,
      onProgress: (done, total) => io.stderr.write(`  ${done}/${total} events\n`),
    });
    io.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const report = evalReport(result, { input, minRating, columns: log.header, read: s });
    io.stdout.write(values.json === true ? `${JSON.stringify(report)}\n` : formatTable(result));
    return 0;
  });
}

function byName(result: PrequentialResult, name: string): ContenderResult {
  const found = result.contenders.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no contender ${name}`);
  return found;
}

const figures = (c: ContenderResult) => ({ recall: c.recall, ndcg: c.ndcg, hits: c.hits, seconds: c.seconds, eventsPerSecond: c.eventsPerSecond });

/** The `eval --json` object (DESIGN.md §5 fields first). */
export function evalReport(result: PrequentialResult, context: { input: string; minRating: number | null; columns: string[]; read: unknown }) {
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

function formatTable(result: PrequentialResult): string {
  const rows = result.contenders.map((c) => [c.name, c.recall.toFixed(4), c.ndcg.toFixed(4), String(c.hits), Math.round(c.eventsPerSecond).toString()]);
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
    stats === null ? '' : `recstream model: ${stats.users} users, ${stats.items} items, ${stats.neighborEntries} neighbour entries, ~${(stats.approxBytes / 1048576).toFixed(1)} MiB`,
    '',
  ].join('\n');
}

/** `recstream generate`: resolves to the exit code. */
export async function runGenerate(argv: string[], io: CommandIo): Promise<number> {
  return withUsage(io, GENERATE_USAGE, async () => {
    const { values } = parse(() => parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      users: { type: 'string' },
      events: { type: 'string' },
      items: { type: 'string' },
      categories: { type: 'string' },
      seed: { type: 'string' },
      output: { type: 'string' },
      'to-topics': { type: 'boolean' },
      rate: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    } }));
    if (values.help === true) {
      io.stdout.write(GENERATE_USAGE);
      return 0;
    }
    const users = positiveInt('--users', values.users, 1000);
    const events = positiveInt('--events', values.events, 100_000);
    const items = positiveInt('--items', values.items, defaultItemCount(users));
    const categories = positiveInt('--categories', values.categories, 12);
    const seed = values.seed ?? '1';
    if (seed === '') throw new UsageError('--seed must not be empty');
    if (values['to-topics'] === true) {
      if (values.output !== undefined) throw new UsageError('--output and --to-topics exclude each other');
      const rate = values.rate === undefined ? 100 : Number(values.rate);
      if (!(Number.isFinite(rate) && rate >= 0)) throw new UsageError(`--rate must be a number ≥ 0, got '${values.rate}'`);
      if (values.url !== undefined && !URL.canParse(values.url)) throw new UsageError(`--url must be a URL, got '${values.url}'`);
      const { sendLiveShoppers } = await import('./live.js');
      const sent = await sendLiveShoppers({ seed, users, items, categories, events, rate, url: values.url ?? null }, (line) => io.stderr.write(line));
      io.stderr.write(`sent ${sent} events\n`);
      return 0;
    }
    if (values.rate !== undefined || values.url !== undefined) throw new UsageError('--rate and --url go with --to-topics');
    const out = values.output === undefined ? io.stdout : createWriteStream(values.output);
    if (values.output !== undefined) {
      try {
        await once(out, 'open');
      } catch (err) {
        throw new UsageError(`--output '${values.output}' cannot be written: ${(err as Error).message}`);
      }
    }
    let buffer = csvLine(GENERATED_CSV_HEADER);
    let rows = 0;
    for (const event of generateEvents({ seed, users, items, categories, events })) {
      for (const row of eventCsvRows(event)) {
        buffer += csvLine(row);
        rows++;
      }
      if (buffer.length > 1 << 16) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
      }
    }
    out.write(buffer);
    if (out !== io.stdout) {
      (out as NodeJS.WritableStream & { end(cb: () => void): void }).end(() => undefined);
      await once(out, 'finish');
    }
    io.stderr.write(`generated ${events} events (${rows} rows) for ${users} users, ${items} items, seed ${seed}${values.output === undefined ? '' : ` into ${values.output}`}\n`);
    return 0;
  });
}
