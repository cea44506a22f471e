import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { MAX_ID_LENGTH } from '../../src/events/fields.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';

describe('the longest ids the collector accepts', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ ADMIN_TOKEN: 'long-ids-admin' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('can be read and erased by URL, even when every character needs percent-encoding', async () => {
    const admin = { authorization: 'Bearer long-ids-admin' };
    for (const userId of ['u'.repeat(MAX_ID_LENGTH), 'ü'.repeat(MAX_ID_LENGTH), '€'.repeat(MAX_ID_LENGTH)]) {
      const itemId = `i${userId}`.slice(0, MAX_ID_LENGTH);
      const posted = await postEvents(app, [
        { eventId: `e-${userId.length}-${userId.charCodeAt(0)}`, userId, itemId, type: 'view', timestamp: Date.now() },
      ]);
      expect(posted.body.accepted).toBe(1);
      await waitFor(
        () => app.engine.digest().eventsApplied,
        (n) => n > 0,
      );
      const path = encodeURIComponent(userId);
      const read = await fetch(`${app.url}/v1/users/${path}/recommendations`);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { userId: string }).userId).toBe(userId);
      expect((await fetch(`${app.url}/v1/items/${encodeURIComponent(itemId)}/similar`)).status).toBe(200);
      await waitFor(
        () => app.engine.digest().users,
        (n) => n > 0,
      );
      const erased = await fetch(`${app.url}/v1/users/${path}`, { method: 'DELETE', headers: admin });
      expect(erased.status).toBe(204);
    }
  });
});
