import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recommendationId } from '../../src/engine/recommendation-id.js';

/** The id as written since the first version: SHA-256 over the parts, each ended by a NUL. */
function reference(userId: string, trigger: string | null, itemIds: string[]): string {
  const h = createHash('sha256');
  for (const part of [userId, trigger ?? '', ...itemIds]) h.update(part).update('\0');
  return h.digest('base64url').slice(0, 22);
}

const items = (ids: string[]) => ids.map((itemId) => ({ itemId, score: 1, reasons: [] }));

describe('recommendationId', () => {
  it('is the id earlier versions wrote for the same user, trigger and list, so a replay writes the same record', () => {
    for (const [user, trigger, ids] of [
      ['u-1', 'e-1', ['a', 'b', 'c']],
      ['ü-ñ', null, []],
      ['u-2', 'e-2', ['é', 'item with spaces', '']],
    ] as Array<[string, string | null, string[]]>) {
      expect(recommendationId(user, trigger, items(ids))).toBe(reference(user, trigger, ids));
    }
  });

  it('changes with the user, the trigger and the order of the items', () => {
    const base = recommendationId('u', 'e', items(['a', 'b']));
    expect(base).toHaveLength(22);
    expect(recommendationId('v', 'e', items(['a', 'b']))).not.toBe(base);
    expect(recommendationId('u', 'f', items(['a', 'b']))).not.toBe(base);
    expect(recommendationId('u', 'e', items(['b', 'a']))).not.toBe(base);
  });
});
