import { createHash } from 'node:crypto';
import type { RecommendedItem } from '../events/types.js';

/** Same user, trigger and list → same id, so replays and retries produce identical records. */
export function recommendationId(userId: string, triggerEventId: string | null, items: RecommendedItem[]): string {
  const h = createHash('sha256');
  h.update(userId)
    .update('\0')
    .update(triggerEventId ?? '')
    .update('\0');
  for (const item of items) h.update(item.itemId).update('\0');
  return h.digest('base64url').slice(0, 22);
}
