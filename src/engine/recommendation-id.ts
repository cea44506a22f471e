import { hash } from 'node:crypto';
import type { RecommendedItem } from '../events/types.js';

/** Same user, trigger and list → same id, so replays and retries produce identical records. */
export function recommendationId(userId: string, triggerEventId: string | null, items: RecommendedItem[]): string {
  // one string hashed in one call: a Hash object fed piece by piece costs three times as much
  let text = `${userId}\0${triggerEventId ?? ''}\0`;
  for (const item of items) text += `${item.itemId}\0`;
  return hash('sha256', text, 'base64url').slice(0, 22);
}
