import { basename } from 'node:path';
import { loadConfig } from '../config.js';
import { type InteractionEventStyle, interactionEvent } from '../eval/interaction-event.js';
import { commandEnv, defineCommand } from './command.js';
import { openEventSink, pace } from './event-sink.js';
import { nonNegativeNumber, urlFlag } from './flag-values.js';
import { LOG_FILE_OPTIONS, logFileFlags, readLogFile } from './log-file.js';

const USAGE = `Usage: recstream replay --input FILE.csv[.gz] [--rate N] [--url URL] [--write-key KEY] [--shift-to-now]
  [--user-col C] [--item-col C] [--time-col C] [--type-col C] [--default-type T]
Produces a log into the input topics in timestamp order: into Kafka (Avro, via SCHEMA_REGISTRY_URL)
when KAFKA_BROKERS is set, else to a running engine's POST /v1/events at --url (default
http://localhost:$PORT). --rate is events per second (0 = as fast as possible, the default).
Rows without a type column get --default-type (view, click, add_to_cart, remove_from_cart or
purchase; default click; use purchase for order logs).
`;

/** `recstream replay`: resolves to the exit code. */
export const runReplay = defineCommand({
  name: 'replay',
  usage: USAGE,
  options: {
    ...LOG_FILE_OPTIONS,
    rate: { type: 'string' },
    url: { type: 'string' },
    'write-key': { type: 'string' },
    'shift-to-now': { type: 'boolean' },
  },
  async run(flags, io) {
    const rate = nonNegativeNumber('--rate', flags.rate, 0);
    const url = urlFlag('--url', flags.url);
    const file = await logFileFlags(flags);
    const config = loadConfig(commandEnv(io));
    const log = await readLogFile(file);
    // Stable sort: ties keep file order.
    const rows = log.interactions.map((row, i) => ({ row, i })).sort((a, b) => a.row.timestamp - b.row.timestamp || a.i - b.i);
    const last = rows.at(-1)?.row.timestamp ?? 0;
    const shift = flags['shift-to-now'] === true ? Date.now() - last : 0;
    // Ids derive from the file name and row, so replaying the same file twice is taken for duplicates.
    const prefix = basename(file.path).replace(/\W+/g, '_');
    const style: InteractionEventStyle = { eventPrefix: prefix, orderPrefix: prefix, currency: 'EUR', shiftMs: shift };
    const sink = await openEventSink(config, { url, writeKey: flags['write-key'] });
    io.stderr.write(`replaying ${rows.length} events from ${file.path} to ${sink.name}${rate > 0 ? ` at ${rate}/s` : ''}\n`);
    const started = Date.now();
    const sent = await pace(
      rows.map(({ row, i }) => interactionEvent(row, i, style)),
      rate,
      sink,
    );
    await sink.close();
    const seconds = (Date.now() - started) / 1000;
    io.stderr.write(`sent ${sent} events in ${seconds.toFixed(1)} s (${Math.round(sent / Math.max(seconds, 1e-3))}/s)\n`);
    return 0;
  },
});
