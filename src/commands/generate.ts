import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { loadConfig } from '../config.js';
import { csvLine } from '../eval/csv-write.js';
import { defaultItemCount, eventCsvRows, GENERATED_CSV_HEADER, type GenerateOptions, generateEvents } from '../eval/generate.js';
import { type CommandIo, commandEnv, defineCommand, UsageError } from './command.js';
import { nonNegativeNumber, positiveInt, urlFlag } from './flag-values.js';

const USAGE = `Usage: recstream generate [options]

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

/** `recstream generate`: resolves to the exit code. */
export const runGenerate = defineCommand({
  name: 'generate',
  usage: USAGE,
  options: {
    users: { type: 'string' },
    events: { type: 'string' },
    items: { type: 'string' },
    categories: { type: 'string' },
    seed: { type: 'string' },
    output: { type: 'string' },
    'to-topics': { type: 'boolean' },
    rate: { type: 'string' },
    url: { type: 'string' },
  },
  async run(flags, io) {
    const users = positiveInt('--users', flags.users, 1000);
    const shoppers = {
      seed: flags.seed ?? '1',
      users,
      items: positiveInt('--items', flags.items, defaultItemCount(users)),
      categories: positiveInt('--categories', flags.categories, 12),
      events: positiveInt('--events', flags.events, 100_000),
    };
    if (shoppers.seed === '') throw new UsageError('--seed must not be empty');
    if (flags['to-topics'] === true) {
      if (flags.output !== undefined) throw new UsageError('--output and --to-topics exclude each other');
      const rate = nonNegativeNumber('--rate', flags.rate, 100);
      const url = urlFlag('--url', flags.url);
      const config = loadConfig(commandEnv(io));
      const { sendLiveShoppers } = await import('./live-shoppers.js');
      const sent = await sendLiveShoppers(config, { ...shoppers, rate, url }, (line) => io.stderr.write(line));
      io.stderr.write(`sent ${sent} events\n`);
      return 0;
    }
    if (flags.rate !== undefined || flags.url !== undefined) throw new UsageError('--rate and --url go with --to-topics');
    const rows = await writeCsv(shoppers, flags.output, io);
    io.stderr.write(
      `generated ${shoppers.events} events (${rows} rows) for ${users} users, ${shoppers.items} items, seed ${shoppers.seed}${flags.output === undefined ? '' : ` into ${flags.output}`}\n`,
    );
    return 0;
  },
});

/** Writes the shoppers' CSV to `output` (stdout when undefined); resolves to the number of rows. */
async function writeCsv(shoppers: GenerateOptions, output: string | undefined, io: CommandIo): Promise<number> {
  const out = output === undefined ? io.stdout : createWriteStream(output);
  if (output !== undefined) {
    try {
      await once(out, 'open');
    } catch (err) {
      throw new UsageError(`--output '${output}' cannot be written: ${(err as Error).message}`);
    }
  }
  let buffer = csvLine(GENERATED_CSV_HEADER);
  let rows = 0;
  for (const event of generateEvents(shoppers)) {
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
  return rows;
}
