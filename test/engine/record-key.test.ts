import { describe, expect, it } from 'vitest';
import { keyProblem } from '../../src/engine/record-key.js';

describe('input record keys', () => {
  it("accept exactly the UTF-8 of the event's userId", () => {
    for (const id of ['u1', 'user-42', 'usér', 'ユーザー', 'u-😀', '']) expect(keyProblem(Buffer.from(id, 'utf8'), id)).toBeNull();
  });

  it('refuse any other key, however close', () => {
    const refused: Array<[Buffer | null, string]> = [
      [null, 'u1'],
      [Buffer.from('u1'), 'u12'],
      [Buffer.from('u12'), 'u1'],
      [Buffer.from('u2'), 'u1'],
      [Buffer.from('usér', 'latin1'), 'usér'],
      [Buffer.from('usèr', 'utf8'), 'usér'],
      [Buffer.from('u-😀x', 'utf8'), 'u-😀'],
    ];
    for (const [key, id] of refused) expect(keyProblem(key, id)).toMatch(/not its userId/);
  });
});
