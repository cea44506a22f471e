import type { TrackingEvent } from './types.js';

/**
 * An event as a website posts it to `POST /v1/events`: the `kind` tag is ours, so it goes; a click
 * keeps its `type` and an order says `type: "purchase"`.
 */
export function collectorJson(event: TrackingEvent): Record<string, unknown> {
  const { kind, ...rest } = event;
  return kind === 'purchase' ? { ...rest, type: 'purchase' } : rest;
}
