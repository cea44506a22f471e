import { describe, expect, it } from 'vitest';
import { parseEventBatch } from '../../src/serve/event-batch.js';

describe('parseEventBatch', () => {
  it('reads a JSON array, a single object and NDJSON whatever the content type says', () => {
    expect(parseEventBatch('[{"a":1},{"a":2}]', 'application/json')).toEqual({
      ok: true,
      batch: { items: [{ a: 1 }, { a: 2 }], lineErrors: [] },
    });
    expect(parseEventBatch('{"a":1}', 'text/plain')).toEqual({ ok: true, batch: { items: [{ a: 1 }], lineErrors: [] } });
    expect(parseEventBatch('{"a":1}\n{"a":2}\n', 'application/json')).toEqual({
      ok: true,
      batch: { items: [{ a: 1 }, { a: 2 }], lineErrors: [] },
    });
    expect(parseEventBatch('{"a":1}\r\n\r\n{"a":2}', undefined)).toEqual({
      ok: true,
      batch: { items: [{ a: 1 }, { a: 2 }], lineErrors: [] },
    });
  });

  it('turns a bad NDJSON line into a per-position error', () => {
    const out = parseEventBatch('{"a":1}\nnot json\n{"a":3}', 'application/x-ndjson; charset=utf-8');
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.batch.items).toEqual([{ a: 1 }, undefined, { a: 3 }]);
    expect(out.batch.lineErrors).toEqual([{ index: 1, error: expect.stringContaining('not valid JSON') }]);
  });

  it('a single declared-NDJSON line that is not JSON is still a per-event rejection', () => {
    const out = parseEventBatch('nope', 'application/x-ndjson');
    expect(out).toMatchObject({ ok: true, batch: { lineErrors: [{ index: 0 }] } });
  });

  it('refuses bodies that are none of the three', () => {
    for (const body of ['', '   ', 'nope', '42', 'null', '"s"', '{"a":1', 'garbage\n{"a":1}']) {
      expect(parseEventBatch(body, 'application/json'), JSON.stringify(body)).toMatchObject({ ok: false, error: expect.any(String) });
    }
  });
});
