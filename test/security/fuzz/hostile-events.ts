import fc from 'fast-check';
import { CLICK_TYPES, EVENT_TYPES } from '../../../src/events/types.js';

/**
 * Hostile events: a valid click or purchase with one field attacked (dropped, duplicated, or set to a
 * wrong type, an ill-formed or oversize string, a huge number, an absurd time) plus unknown keys.
 * `verdict` names the rule that demands the event be refused, or null when either answer is right
 * (then, if accepted, it must be applied exactly once like any other).
 * Descriptors stay small so shrunk counterexamples print readably; texts are built at send time.
 */

export type Kind = 'click' | 'purchase';

export type ValueSpec =
  | { k: 'json'; v: unknown }
  | { k: 'wrongType'; v: unknown }
  | { k: 'null' }
  | { k: 'text'; s: string }
  | { k: 'lone'; s: string }
  | { k: 'oversize'; length: number; char: string }
  | { k: 'blank'; s: string }
  | { k: 'number'; n: number }
  | { k: 'literal'; text: string }
  | { k: 'time'; at: 'before-2000' | 'recent' | 'far-future' | 'seconds'; ms: number; form: 'ms' | 'iso' | 'digits' }
  | { k: 'otherType'; type: string };

export interface HostileSpec {
  kind: Kind;
  clickType: string;
  lines: number;
  op: 'set' | 'drop' | 'dup-mutated-last' | 'dup-mutated-first' | 'extra-only';
  field: string;
  value: ValueSpec;
  extras: Array<[string, unknown]>;
}

const CLICK_FIELDS = ['eventId', 'userId', 'itemId', 'type', 'timestamp', 'recommendationId', 'sessionId', 'price'] as const;
const PURCHASE_FIELDS = [
  'eventId',
  'userId',
  'orderId',
  'currency',
  'items',
  'timestamp',
  'type',
  'sessionId',
  'items.itemId',
  'items.quantity',
  'items.price',
] as const;
const REQUIRED: Record<Kind, readonly string[]> = {
  click: ['eventId', 'userId', 'itemId', 'type', 'timestamp'],
  purchase: ['eventId', 'userId', 'orderId', 'currency', 'items', 'timestamp', 'type', 'items.itemId', 'items.quantity', 'items.price'],
};
const ID_FIELDS = new Set(['eventId', 'userId', 'itemId', 'orderId', 'recommendationId', 'sessionId', 'items.itemId']);
const DAY = 86_400_000;
const Y2K = Date.UTC(2000, 0, 1);

/** A short string holding one lone UTF-16 surrogate (or a reversed pair): no UTF-8 form exists. */
export const loneSurrogate: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 6 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 6 }), fc.boolean())
  .map(([a, code, b, reversed]) => (reversed ? `${a}\udc00\ud800${b}` : `${a}${String.fromCharCode(code)}${b}`));

const shallowJson = fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' });

const valueSpec: fc.Arbitrary<ValueSpec> = fc.oneof(
  { weight: 2, arbitrary: shallowJson.map((v) => ({ k: 'json' as const, v })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.boolean(), fc.array(fc.oneof(fc.integer(), fc.string(), fc.boolean()), { maxLength: 3 }), fc.object({ maxDepth: 1 }))
      .map((v) => ({ k: 'wrongType' as const, v })),
  },
  { weight: 1, arbitrary: fc.constant({ k: 'null' as const }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => ({ k: 'text' as const, s })) },
  { weight: 3, arbitrary: loneSurrogate.map((s) => ({ k: 'lone' as const, s })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        length: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 257, max: 3000 }) },
          { weight: 1, arbitrary: fc.integer({ min: 3000, max: 20_000 }) },
        ),
        char: fc.constantFrom('x', 'é', '字', '😀'),
      })
      .map((r) => ({ k: 'oversize' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00a0', '\ufeff').map((s) => ({ k: 'blank' as const, s })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE),
      )
      .map((n) => ({ k: 'number' as const, n })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '1e400',
        '-1e400',
        '1e30',
        '-0',
        '1E+2',
        '123456789012345678901234567890',
        '0.0000000000000000001',
        `1${'0'.repeat(400)}`,
        '9007199254740993',
      )
      .map((text) => ({ k: 'literal' as const, text })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('purchase', 'view', 'VIEW', 'Purchase', 'view ', 'add-to-cart', 'remove_from_cart\u0000')
      .map((type) => ({ k: 'otherType' as const, type })),
  },
);

const timeSpec: fc.Arbitrary<ValueSpec> = fc
  .record({
    at: fc.constantFrom('before-2000', 'recent', 'far-future', 'seconds'),
    ms: fc.maxSafeNat(),
    form: fc.constantFrom('ms', 'iso', 'digits'),
  })
  .map((t) => ({ k: 'time' as const, ...t }));

const extraKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'kind',
    '$where',
    'eventId ',
    'EventId',
    'user_id',
    '',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

export const hostileSpec: fc.Arbitrary<HostileSpec> = fc.constantFrom<Kind>('click', 'purchase').chain((kind) =>
  fc.record({
    kind: fc.constant(kind),
    clickType: fc.constantFrom(...CLICK_TYPES),
    lines: fc.integer({ min: 1, max: 3 }),
    op: fc.constantFrom('set', 'set', 'set', 'drop', 'dup-mutated-last', 'dup-mutated-first', 'extra-only'),
    field: fc.constantFrom<string>(...(kind === 'click' ? CLICK_FIELDS : PURCHASE_FIELDS)),
    value: fc.oneof({ weight: 6, arbitrary: valueSpec }, { weight: 1, arbitrary: timeSpec }),
    // Unknown keys are dropped by validation; none may collide with a real field name.
    extras: fc
      .array(fc.tuple(extraKey, shallowJson), { maxLength: 3 })
      .map((pairs) =>
        pairs.filter(
          ([key]) => !(CLICK_FIELDS as readonly string[]).includes(key) && !(PURCHASE_FIELDS as readonly string[]).includes(key),
        ),
      ),
  }),
);

/** The value's JSON text; `now` places relative times. */
function valueText(spec: ValueSpec, now: number): string {
  switch (spec.k) {
    case 'json':
    case 'wrongType':
      return JSON.stringify(spec.v) ?? 'null';
    case 'null':
      return 'null';
    case 'text':
    case 'lone':
    case 'blank':
      return JSON.stringify(spec.s);
    case 'oversize':
      return JSON.stringify(spec.char.repeat(spec.length));
    case 'number':
      return JSON.stringify(spec.n);
    case 'literal':
      return spec.text;
    case 'otherType':
      return JSON.stringify(spec.type);
    case 'time': {
      const t = timeOf(spec, now);
      if (spec.at === 'seconds') return String(t);
      if (spec.form === 'ms') return String(t);
      if (spec.form === 'digits') return JSON.stringify(String(t));
      return JSON.stringify(Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t));
    }
  }
}

function timeOf(spec: Extract<ValueSpec, { k: 'time' }>, now: number): number {
  switch (spec.at) {
    case 'before-2000':
      return Y2K - 1 - (spec.ms % (400 * 365 * DAY));
    case 'recent':
      return now - (spec.ms % (30 * DAY));
    case 'far-future':
      return now + 2 * DAY + (spec.ms % (10_000 * 365 * DAY));
    case 'seconds':
      return Math.floor(now / 1000) - (spec.ms % 1000);
  }
}

/** Above these a price or quantity is no real basket: it can only poison the order-value regression. */
const ABSURD_PRICE = 1e12;
const ABSURD_QUANTITY = 1e8;

/**
 * The rule that demands the event be refused, or null when accepting it is also right. Rules name no
 * field, so one rule broken on several fields is one finding (the counterexample shows the field).
 */
export function verdict(spec: HostileSpec): string | null {
  const { field, value, op, kind } = spec;
  const required = REQUIRED[kind].includes(field);
  if (op === 'extra-only' || op === 'dup-mutated-first') return null;
  if (op === 'drop') return required ? 'a required field is missing' : null;
  const isId = ID_FIELDS.has(field);
  const numeric = field === 'price' || field === 'items.price' || field === 'items.quantity';
  switch (value.k) {
    case 'json':
      return null;
    case 'wrongType':
      return 'a field has the wrong JSON type';
    case 'null':
      return required ? 'a required field is null' : null;
    case 'lone':
      if (isId) return 'an id is not well-formed Unicode (lone surrogate)';
      return field === 'currency' ? null : 'a non-id field holds an arbitrary string';
    case 'oversize':
      return isId || field === 'currency' ? 'an id or currency is longer than 256 characters' : 'a non-id field holds an arbitrary string';
    case 'blank':
      return required ? 'a required field is blank' : null;
    case 'text':
      if (field === 'type') return (EVENT_TYPES as readonly string[]).includes(value.s) ? null : 'the type is unknown';
      return field === 'items' || numeric ? 'a non-id field holds an arbitrary string' : null;
    case 'otherType':
      if (field === 'type')
        return (kind === 'click' ? (CLICK_TYPES as readonly string[]) : ['purchase']).includes(value.type)
          ? null
          : 'the type names another kind or none';
      return isId || field === 'currency' ? null : 'a non-id field holds an arbitrary string';
    case 'number':
    case 'literal': {
      const n = value.k === 'number' ? value.n : Number(JSON.parse(value.text));
      if (!Number.isFinite(n)) return 'a number is not finite';
      if (field === 'type' || field === 'items' || field === 'currency') return 'a string field holds a number';
      if (isId) return Number.isSafeInteger(n) ? null : 'a numeric id is not a safe integer';
      if (field === 'items.quantity') {
        if (!Number.isInteger(n) || n < 1) return 'a quantity is not a whole number ≥ 1';
        return n >= ABSURD_QUANTITY ? `a quantity is absurd (≥ ${ABSURD_QUANTITY})` : null;
      }
      if (field === 'price' || field === 'items.price') {
        if (n < 0) return 'a price is negative';
        return n >= ABSURD_PRICE ? `a price is absurd (≥ ${ABSURD_PRICE})` : null;
      }
      return null;
    }
    case 'time':
      if (field !== 'timestamp') return null;
      return value.at === 'recent' ? null : `the timestamp is ${value.at}`;
  }
}

/** Stands for the purchase's line array until the lines themselves have been attacked. */
const LINES = '\u0000lines';

/** Builds events from specs with unique ids per built event (users too, so accepted ones never collide). */
export class HostileEvents {
  private sequence = 0;

  constructor(private readonly prefix: string) {}

  /** The event's JSON text (duplicate keys and huge literals only exist as text). */
  text(spec: HostileSpec, now: number = Date.now()): string {
    const n = this.sequence++;
    const id = `${this.prefix}-${n}`;
    const lines: Array<Array<[string, string]>> = Array.from({ length: spec.lines }, (_, i) => [
      ['itemId', JSON.stringify(`hi-${(n + i) % 40}`)],
      ['quantity', String(1 + i)],
      ['price', '2.5'],
    ]);
    const entries: Array<[string, string]> =
      spec.kind === 'click'
        ? [
            ['eventId', JSON.stringify(`he-${id}`)],
            ['userId', JSON.stringify(`hu-${id}`)],
            ['itemId', JSON.stringify(`hi-${n % 40}`)],
            ['type', JSON.stringify(spec.clickType)],
            ['timestamp', String(now)],
            ['sessionId', JSON.stringify(`hs-${n % 7}`)],
            ['recommendationId', JSON.stringify(`hr-${id}`)],
            ['price', '3.25'],
          ]
        : [
            ['eventId', JSON.stringify(`he-${id}`)],
            ['userId', JSON.stringify(`hu-${id}`)],
            ['type', '"purchase"'],
            ['timestamp', String(now)],
            ['orderId', JSON.stringify(`ho-${id}`)],
            ['currency', '"EUR"'],
            ['sessionId', JSON.stringify(`hs-${n % 7}`)],
            ['items', LINES],
          ];
    const [top, sub] = spec.field.split('.') as [string, string | undefined];
    mutate(sub === undefined ? entries : lines[n % lines.length]!, sub ?? top, spec.op, valueText(spec.value, now));
    for (const [k, v] of spec.extras) entries.push([k, JSON.stringify(v) ?? 'null']);
    return objectText(entries.map(([k, v]) => [k, v === LINES ? `[${lines.map(objectText).join(',')}]` : v]));
  }
}

function mutate(target: Array<[string, string]>, key: string, op: HostileSpec['op'], mutated: string): void {
  const at = target.findIndex(([k]) => k === key);
  switch (op) {
    case 'extra-only':
      return;
    case 'drop':
      if (at >= 0) target.splice(at, 1);
      return;
    case 'set':
      if (at >= 0) target[at] = [key, mutated];
      else target.push([key, mutated]);
      return;
    case 'dup-mutated-last':
      target.push([key, mutated]);
      return;
    case 'dup-mutated-first':
      target.unshift([key, mutated]);
  }
}

function objectText(entries: Array<[string, string]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}
