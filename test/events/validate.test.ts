import { describe, expect, it } from 'vitest';
import { type ValidateOptions, validateEvent } from '../../src/events/validate.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const HOUR = 60 * 60 * 1000;
const opts: ValidateOptions = { now: NOW, maxFutureMs: HOUR };

const click = { eventId: 'e-1', userId: 'u-1', timestamp: NOW - 1000, type: 'view', itemId: 'sku-1' };
const purchase = {
  eventId: 'e-2',
  userId: 'u-1',
  timestamp: NOW - 500,
  type: 'purchase',
  orderId: 'o-1',
  currency: 'EUR',
  items: [
    { itemId: 'sku-1', quantity: 1, price: 10 },
    { itemId: 'sku-2', quantity: 3, price: 2.5 },
  ],
};

function rejection(raw: unknown, o: ValidateOptions = opts): { reason: string; error: string } {
  const r = validateEvent(raw, o);
  if (r.ok) throw new Error(`expected a rejection, accepted ${JSON.stringify(r.event)}`);
  return r;
}

describe('validateEvent: accepted events in canonical form', () => {
  it('accepts a click, infers its kind, fills optional fields with null and drops unknown fields', () => {
    expect(validateEvent({ ...click, colour: 'red', nested: { a: 1 } }, opts)).toEqual({
      ok: true,
      event: { kind: 'click', ...click, recommendationId: null, sessionId: null, price: null },
    });
  });

  it('accepts every click type and a purchase', () => {
    for (const type of ['view', 'click', 'add_to_cart', 'remove_from_cart']) {
      const r = validateEvent({ ...click, type, recommendationId: 'rec-1', sessionId: 's', price: 0 }, opts);
      expect(r).toMatchObject({ ok: true, event: { kind: 'click', type, recommendationId: 'rec-1', sessionId: 's', price: 0 } });
    }
    const { type: _type, ...rest } = purchase;
    expect(validateEvent(purchase, opts)).toEqual({ ok: true, event: { kind: 'purchase', ...rest, sessionId: null } });
  });

  it('takes the kind from the source when given: a decoded purchase has no type field', () => {
    const { type: _type, ...avroPurchase } = purchase;
    expect(validateEvent(avroPurchase, { ...opts, kind: 'purchase' })).toMatchObject({ ok: true, event: { kind: 'purchase' } });
    expect(rejection(avroPurchase)).toMatchObject({ reason: 'invalid', error: expect.stringContaining('type is required') });
    expect(rejection(purchase, { ...opts, kind: 'click' }).error).toContain('does not belong on a click source');
    expect(rejection(click, { ...opts, kind: 'purchase' }).error).toContain('does not belong on a purchase source');
  });

  it('reads ISO-8601 timestamps (with offset, Z, or none meaning UTC) and digit strings as epoch millis', () => {
    const at = (timestamp: unknown) => {
      const r = validateEvent({ ...click, timestamp }, opts);
      return r.ok ? r.event.timestamp : r.error;
    };
    expect(at('2026-11-23T11:30:00Z')).toBe(Date.UTC(2026, 10, 23, 11, 30));
    expect(at('2026-11-23T11:30:00.250Z')).toBe(Date.UTC(2026, 10, 23, 11, 30, 0, 250));
    expect(at('2026-11-23T13:30:00+02:00')).toBe(Date.UTC(2026, 10, 23, 11, 30));
    expect(at('2026-11-23T11:30:00')).toBe(Date.UTC(2026, 10, 23, 11, 30));
    expect(at('2026-11-23 11:30:00')).toBe(Date.UTC(2026, 10, 23, 11, 30));
    expect(at('2026-11-23')).toBe(Date.UTC(2026, 10, 23));
    expect(at(String(NOW - 5))).toBe(NOW - 5);
    expect(at(NOW - 5 + 0.4)).toBe(NOW - 5);
  });

  it('parses one NDJSON line (string or bytes) and rejects broken JSON as undecodable', () => {
    const line = JSON.stringify({ ...click, timestamp: '2026-11-23T11:00:00Z' });
    expect(validateEvent(line, opts)).toMatchObject({ ok: true, event: { eventId: 'e-1', timestamp: Date.UTC(2026, 10, 23, 11) } });
    expect(validateEvent(Buffer.from(line), opts)).toMatchObject({ ok: true, event: { eventId: 'e-1' } });
    expect(rejection('{"eventId": "e-1",')).toMatchObject({ reason: 'undecodable', error: expect.stringContaining('not valid JSON') });
  });

  it('accepts numeric ids from sites that use integers, as strings', () => {
    expect(validateEvent({ ...click, userId: 42, itemId: 7 }, opts)).toMatchObject({ ok: true, event: { userId: '42', itemId: '7' } });
  });
});

describe('validateEvent: rejections name the field and the rule', () => {
  it('rejects non-objects and unknown types', () => {
    expect(rejection([click])).toMatchObject({ reason: 'invalid', error: 'event must be a JSON object, got an array' });
    expect(rejection(null).reason).toBe('invalid');
    expect(rejection({ ...click, type: 'share' })).toMatchObject({
      reason: 'invalid',
      error: expect.stringMatching(/^type "share" is unknown: expected one of view, click, add_to_cart, remove_from_cart, purchase$/),
    });
    expect(rejection({ ...click, type: 3 }).error).toContain('type 3 is unknown');
  });

  it('rejects missing, empty, non-string and over-long ids', () => {
    for (const field of ['eventId', 'userId', 'itemId'] as const) {
      const { [field]: _gone, ...without } = click;
      expect(rejection(without)).toEqual({ ok: false, reason: 'invalid', error: `${field} is required` });
      expect(rejection({ ...click, [field]: '' }).error).toBe(`${field} must not be empty`);
      expect(rejection({ ...click, [field]: '   ' }).error).toBe(`${field} must not be empty`);
      expect(rejection({ ...click, [field]: 'x'.repeat(257) }).error).toBe(`${field} is longer than 256 characters (257)`);
      expect(rejection({ ...click, [field]: { id: 1 } }).error).toBe(`${field} must be a string, got a object`);
    }
    expect(validateEvent({ ...click, userId: 'x'.repeat(256) }, opts).ok).toBe(true);
    const { orderId: _o, ...noOrder } = purchase;
    expect(rejection(noOrder).error).toBe('orderId is required');
    expect(rejection({ ...purchase, currency: '' }).error).toBe('currency must not be empty');
    expect(rejection({ ...click, sessionId: 'x'.repeat(300) }).error).toContain('sessionId is longer than 256');
  });

  it('rejects bad prices and quantities with the item index', () => {
    const items = (patch: Record<string, unknown>) => ({
      ...purchase,
      items: [purchase.items[0], purchase.items[1], { itemId: 'sku-3', quantity: 1, price: 1, ...patch }],
    });
    expect(rejection(items({ price: -1 }))).toEqual({
      ok: false,
      reason: 'invalid',
      error: 'items[2].price must be a finite number ≥ 0, got -1',
    });
    expect(rejection(items({ price: Number.NaN })).error).toBe('items[2].price must be a finite number ≥ 0, got NaN');
    expect(rejection(items({ price: Number.POSITIVE_INFINITY })).error).toContain('items[2].price must be a finite number ≥ 0');
    expect(rejection(items({ price: '9.99' })).error).toBe('items[2].price must be a finite number ≥ 0, got "9.99"');
    expect(rejection(items({ quantity: 0 })).error).toBe('items[2].quantity must be a whole number ≥ 1, got 0');
    expect(rejection(items({ quantity: -2 })).error).toContain('items[2].quantity');
    expect(rejection(items({ quantity: 1.5 })).error).toBe('items[2].quantity must be a whole number ≥ 1, got 1.5');
    expect(rejection(items({ itemId: '' })).error).toBe('items[2].itemId must not be empty');
    expect(rejection({ ...purchase, items: [purchase.items[0], 'sku-9'] }).error).toContain('items[1] must be an object');
    expect(rejection({ ...click, price: -0.01 }).error).toBe('price must be a finite number ≥ 0, got -0.01');
    expect(rejection(items({ price: 1e308 }))).toEqual({
      ok: false,
      reason: 'invalid',
      error: 'items[2].price must be at most 1000000000, got 1e+308',
    });
    expect(rejection(items({ quantity: 1_000_001 })).error).toBe('items[2].quantity must be at most 1000000, got 1000001');
    expect(rejection({ ...click, price: 2e9 }).error).toBe('price must be at most 1000000000, got 2000000000');
    expect(validateEvent(items({ price: 1e9, quantity: 1_000_000 }), opts).ok).toBe(true);
  });

  it('rejects empty or missing purchase items', () => {
    expect(rejection({ ...purchase, items: [] }).error).toBe('items must be a non-empty array of {itemId, quantity, price}, got an array');
    const { items: _i, ...noItems } = purchase;
    expect(rejection(noItems).error).toContain('items must be a non-empty array');
  });

  it("rejects absurd timestamps with reason 'timestamp' and malformed ones as invalid", () => {
    expect(validateEvent({ ...click, timestamp: NOW + HOUR }, opts).ok).toBe(true);
    expect(rejection({ ...click, timestamp: NOW + HOUR + 1 })).toMatchObject({
      reason: 'timestamp',
      error: expect.stringContaining('more than 1 hour in the future'),
    });
    const day = 24 * HOUR;
    expect(validateEvent({ ...click, timestamp: NOW + day }, { ...opts, maxFutureMs: day }).ok).toBe(true);
    expect(rejection({ ...click, timestamp: NOW + day + 1 }, { ...opts, maxFutureMs: day }).error).toContain(
      'more than 1 day in the future',
    );
    expect(rejection({ ...click, timestamp: NOW + 1 }, { ...opts, maxFutureMs: 0 }).error).toContain('more than 0 ms in the future');
    expect(rejection({ ...click, timestamp: NOW + 90_001 }, { ...opts, maxFutureMs: 90_000 }).error).toContain(
      'more than 90 seconds in the future',
    );
    expect(rejection({ ...click, timestamp: Date.UTC(1999, 11, 31, 23, 59, 59) })).toMatchObject({
      reason: 'timestamp',
      error: expect.stringContaining('before 2000-01-01'),
    });
    expect(validateEvent({ ...click, timestamp: Date.UTC(2000, 0, 1) }, opts).ok).toBe(true);
    expect(rejection({ ...click, timestamp: Math.floor(NOW / 1000) }).error).toContain('epoch seconds? send milliseconds');
    expect(rejection({ ...click, timestamp: '1999-06-01T00:00:00Z' }).reason).toBe('timestamp');
    expect(rejection({ ...click, timestamp: 1e300 }).reason).toBe('timestamp');
    expect(rejection({ ...click, timestamp: Number.NaN })).toMatchObject({ reason: 'invalid', error: expect.stringContaining('finite') });
    expect(rejection({ ...click, timestamp: 'yesterday' })).toMatchObject({
      reason: 'invalid',
      error: 'timestamp must be epoch millis or an ISO-8601 date-time, got "yesterday"',
    });
    expect(rejection({ ...click, timestamp: '2026-13-45T00:00:00Z' }).reason).toBe('invalid');
    const { timestamp: _t, ...noTime } = click;
    expect(rejection(noTime).error).toBe('timestamp is required (epoch millis or ISO-8601)');
  });

  it("rejects events larger than maxBytes with reason 'oversize'", () => {
    const big = { ...click, padding: 'x'.repeat(2000) };
    expect(rejection(big, { ...opts, maxBytes: 1024 })).toMatchObject({
      reason: 'oversize',
      error: expect.stringContaining('1024-byte limit'),
    });
    expect(rejection(JSON.stringify(big), { ...opts, maxBytes: 1024 }).reason).toBe('oversize');
    expect(validateEvent(big, { ...opts, maxBytes: 4096 }).ok).toBe(true);
  });
});
