import type { TrackingEvent } from '../events/types.js';
import { Recommender } from '../model/index.js';
import type { ModelConfig } from '../model/types.js';
import { perSecond } from './stats.js';

export interface LearnOnlyResult {
  events: number;
  ms: number;
  eventsPerSecond: number;
}

/** The model alone: learnOne over a synthetic history, no decoding, no I/O. */
export function benchLearnOnly(events: readonly TrackingEvent[], config: Partial<ModelConfig> = {}): LearnOnlyResult {
  const model = new Recommender(config);
  const started = performance.now();
  for (const event of events) model.learnOne(event);
  const ms = performance.now() - started;
  return { events: events.length, ms, eventsPerSecond: perSecond(events.length, ms) };
}
