import { loadConfig } from '../config.js';
import { ItemKnnBaseline } from '../eval/baselines/item-knn.js';
import { PopularityBaseline } from '../eval/baselines/popularity.js';
import { recommenderContender } from '../eval/contender.js';
import { runPrequential } from '../eval/prequential.js';
import { evalReport, formatEvalTable } from '../eval/report.js';
import { Recommender } from '../model/index.js';
import { commandEnv, defineCommand, UsageError } from './command.js';
import { finiteNumber, positiveInt } from './flag-values.js';
import { LOG_FILE_OPTIONS, logFileFlags, readLogFile } from './log-file.js';

const USAGE = `Usage: recstream eval --input FILE.csv[.gz] [options]

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

/** `recstream eval`: resolves to the exit code. */
export const runEval = defineCommand({
  name: 'eval',
  usage: USAGE,
  options: {
    ...LOG_FILE_OPTIONS,
    'rating-col': { type: 'string' },
    k: { type: 'string' },
    'min-rating': { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(flags, io) {
    const k = positiveInt('--k', flags.k, 10);
    const limit = flags.limit === undefined ? null : positiveInt('--limit', flags.limit, 0);
    const minRating = finiteNumber('--min-rating', flags['min-rating']);
    const file = await logFileFlags(flags);
    const modelConfig = loadConfig(commandEnv(io)).model;

    const started = Date.now();
    io.stderr.write(`reading ${file.path}\n`);
    const log = await readLogFile(file);
    if (minRating !== null && log.columns.rating === null)
      throw new UsageError('--min-rating needs a rating column (name it with --rating-col)');
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
    const report = evalReport(result, { input: file.path, minRating, columns: log.header, read: s });
    io.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : formatEvalTable(result));
    return 0;
  },
});
