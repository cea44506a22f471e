import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { ReadApi } from '../helpers/read-api.js';

async function recall(app: RunningApp): Promise<number | null> {
  await app.engine.refresh();
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('recstream_prequential_recall{k="10"}'));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

describe('the prequential score: what a user chooses next, against the list they were last shown', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('counts a hit when the chosen item is in the held list’s top ten, a miss when it is not', async () => {
    const now = Date.now();
    let n = 0;
    const view = (userId: string, itemId: string, type = 'view') => ({
      eventId: `e${n++}`,
      userId,
      itemId,
      type,
      timestamp: new Date(now - 60_000 + n).toISOString(),
    });
    // shoppers who viewed a also viewed b and c: a list for someone who views a holds them
    const crowd = Array.from({ length: 20 }, (_, u) => ['a', 'b', 'c'].map((item) => view(`u${u}`, item))).flat();
    expect((await postEvents(app, crowd)).status).toBe(202);
    await new ReadApi(app, '').whenApplied(crowd.length);
    const first = view('x', 'a');
    expect((await postEvents(app, [first])).status).toBe(202);
    // the list made for the view, held (a list computed on demand has no trigger)
    const shown = await waitFor(
      () => app.engine.recommendationsFor('x'),
      (r) => r.triggerEventId === first.eventId && r.items.length > 0,
    );
    expect(await recall(app)).toBeNull();

    expect((await postEvents(app, [view('x', shown.items[0].itemId, 'click')])).status).toBe(202);
    expect(
      await waitFor(
        () => recall(app),
        (r) => r !== null,
      ),
    ).toBe(1);

    expect((await postEvents(app, [view('x', 'never-listed', 'click')])).status).toBe(202);
    expect(
      await waitFor(
        () => recall(app),
        (r) => r !== 1,
      ),
    ).toBe(0.5);
  });
});
