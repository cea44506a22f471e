import type { RunningApp } from '../app.js';
import type { Topics } from '../config.js';

/** Where the bench's events go as Avro: the registry their schemas are registered with, and the engine's topics. */
export interface EventTarget {
  registryUrl: string;
  topics: Topics;
}

export function appTarget(app: RunningApp): EventTarget {
  return { registryUrl: app.registryUrl, topics: app.engine.config.topics };
}
