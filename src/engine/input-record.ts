import type { Topics } from '../config.js';
import type { TrackingEvent } from '../events/types.js';
import type { OutgoingRecord } from '../log/types.js';
import type { EventCodec } from './codec.js';

/** A validated event as the record a website producer would write: keyed by user, Avro value. */
export async function inputRecord(
  event: TrackingEvent,
  codec: EventCodec,
  topics: Pick<Topics, 'clicks' | 'purchases'>,
): Promise<OutgoingRecord> {
  const { kind, ...value } = event;
  const topic = kind === 'click' ? topics.clicks : topics.purchases;
  return { topic, key: event.userId, value: await codec.encode(topic, value) };
}
