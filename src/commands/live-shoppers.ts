import type { Config } from '../config.js';
import { createShopperSimulation, type ShopperSimulationOptions } from '../eval/generate.js';
import type { TrackingEvent } from '../events/types.js';
import { openEventSink, pace } from './event-sink.js';

export interface LiveOptions extends Omit<ShopperSimulationOptions, 'idPrefix'> {
  events: number;
  /** Events per second (0 = as fast as the sink takes them). */
  rate: number;
  /** Collector base URL when KAFKA_BROKERS is unset. */
  url?: string;
  signal?: AbortSignal;
}

/**
 * Synthetic shoppers sent live, stamped with the wall clock: into the input topics (Avro through the
 * registry) when KAFKA_BROKERS is set, else to a running engine's collector. Ids carry the start time so
 * a second run is not taken for duplicates of the first.
 */
export async function sendLiveShoppers(config: Config, options: LiveOptions, log: (line: string) => void): Promise<number> {
  const sink = await openEventSink(config, { url: options.url });
  log(`sending ${options.events} events to ${sink.name}${options.rate > 0 ? ` at ${options.rate}/s` : ''}\n`);
  const sim = createShopperSimulation({ ...options, idPrefix: `gen${options.seed}-${Date.now().toString(36)}` });
  function* events(): Generator<TrackingEvent> {
    for (let n = 0; n < options.events; n++) yield sim.next(Date.now());
  }
  try {
    return await pace(events(), options.rate, sink, 500, options.signal);
  } finally {
    await sink.close();
  }
}
