import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandIo } from '../cli.js';
import { loadConfig } from '../config.js';
import { CLICK_TYPES, type EventType, type TrackingEvent } from '../events/types.js';
import type { Interaction } from '../eval/interactions.js';
import { readInteractionFile } from '../eval/interactions.js';
import { createLogger } from '../logger.js';
import { httpSink, pace, topicSink, type EventSink } from './event-sink.js';

const EVENT_TYPES: readonly string[] = [...CLICK_TYPES, 'purchase'];

const USAGE = `recstream replay --input FILE.csv[.gz] [--rate N] [--url URL] [--write-key KEY] [--shift-to-now]
  [--user-col C] [--item-col C] [--time-col C] [--type-col C] [--default-type view|click|add_to_cart|purchase]
Produces a log into the input topics in timestamp order: into Kafka (Avro, via SCHEMA_REGISTRY_URL)
when KAFKA_BROKERS is set, else to a running engine's POST /v1/events at --url (default
http://localhost:$PORT). --rate is events per second (0 = as fast as possible, the default).
Rows without a type column get --default-type (default click; use purchase for order logs).
`;

/** A log row as the event a website would have sent; ids are derived from the file and row. */
export function interactionEvent(row: Interaction, index: number, prefix: string, shift: number): TrackingEvent {
  const eventId = `${prefix}-${index}`;
  const timestamp = row.timestamp + shift;
  if (row.type === 'purchase') {
    return {
      kind: 'purchase', eventId, userId: row.userId, timestamp, orderId: eventId, currency: 'EUR',
      items: [{ itemId: row.itemId, quantity: 1, price: row.price ?? 0 }], sessionId: row.sessionId,
    };
  }
  return { kind: 'click', eventId, userId: row.userId, timestamp, type: row.type, itemId: row.itemId, sessionId: row.sessionId, price: row.price, recommendationId: null };
}

export async function runReplay(argv: string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string' }, rate: { type: 'string', default: '0' }, url: { type: 'string' },
        'write-key': { type: 'string' }, 'shift-to-now': { type: 'boolean', default: false },
        'default-type': { type: 'string', default: 'click' },
        'user-col': { type: 'string' }, 'item-col': { type: 'string' }, 'time-col': { type: 'string' }, 'type-col': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr.write(`recstream replay: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) { io.stdout.write(USAGE); return 0; }
  if (!values.input) { io.stderr.write(`recstream replay: --input FILE.csv is required\n${USAGE}`); return 2; }
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) { io.stderr.write(`recstream replay: --rate must be a number ≥ 0, got ${values.rate}\n`); return 2; }

  const defaultType = values['default-type'];
  if (!EVENT_TYPES.includes(defaultType as EventType)) {
    io.stderr.write(`recstream replay: --default-type must be one of ${EVENT_TYPES.join(', ')}, got ${defaultType}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const log = await readInteractionFile(values.input, {
    columns: { user: values['user-col'], item: values['item-col'], time: values['time-col'], type: values['type-col'] },
    defaultType: defaultType as EventType,
  });
  // Stable sort: ties keep file order.
  const rows = log.interactions.map((row, i) => ({ row, i })).sort((a, b) => a.row.timestamp - b.row.timestamp || a.i - b.i);
  const last = rows.at(-1)?.row.timestamp ?? 0;
  const shift = values['shift-to-now'] ? Date.now() - last : 0;
  const prefix = basename(values.input).replace(/\W+/g, '_');
  const sink: EventSink = config.kafka !== null
    ? await topicSink(config, logger)
    : httpSink(values.url ?? `http://localhost:${config.port}`, values['write-key'] ?? config.writeKeys[0] ?? null);
  io.stderr.write(`replaying ${rows.length} events from ${values.input} to ${sink.name}${rate > 0 ? ` at ${rate}/s` : ''}\n`);
  const started = Date.now();
  const sent = await pace(rows.map(({ row, i }) => interactionEvent(row, i, prefix, shift)), rate, sink);
  await sink.close();
  const seconds = (Date.now() - started) / 1000;
  io.stderr.write(`sent ${sent} events in ${seconds.toFixed(1)} s (${Math.round(sent / Math.max(seconds, 1e-3))}/s)\n`);
  return 0;
}
