import fc from 'fast-check';
import { CLICK_TYPES, type ClickType } from '../../../src/events/types.js';
import { loneSurrogate } from './hostile-events.js';

/**
 * What a producer with write access to the input topics can put there, one face per way of getting it
 * wrong: bytes that are no Avro at all, the wire format naming a schema that is not the topic's, Avro
 * that is cut short or lies about its own lengths, Avro of the right schema carrying hostile values,
 * and good events keyed by someone else. Specs stay small so a failing case prints readably; the
 * records themselves are built by topic-records.ts.
 */

export type Kind = 'click' | 'purchase';

/** How a record is keyed: by its user, as the contract says, or not. */
export type KeySpec = 'user' | 'null' | 'empty' | 'other-user' | 'ill-formed' | 'case' | 'padded';

export type TextSpec =
  | { t: 'blank'; s: string }
  | { t: 'control'; s: string }
  | { t: 'lone'; s: string }
  | { t: 'any'; s: string }
  | { t: 'name'; s: string }
  | { t: 'length'; length: number; char: string }
  /** Longer than EVENT_MAX_BYTES by `over` bytes. */
  | { t: 'oversize'; over: number };

export type TimeSpec = { at: 'recent' | 'soon' | 'before-2000' | 'far-future' | 'seconds'; n: number } | { at: 'edge'; ms: number };

export interface LineSpec {
  /** null: an ordinary item id; 'repeat': the first line's item again. */
  itemId: TextSpec | 'repeat' | null;
  quantity: number;
  price: number;
}

export type Change =
  | { f: 'text'; field: string; text: TextSpec }
  | { f: 'time'; time: TimeSpec }
  | { f: 'type'; type: ClickType }
  | { f: 'price'; price: number | null }
  | { f: 'lines'; lines: LineSpec[] };

export interface HostileSpec {
  kind: Kind;
  change: Change;
  key: KeySpec;
}

export type Corruption =
  | { c: 'truncate'; kind: Kind; permille: number }
  | { c: 'trailing'; kind: Kind; bytes: number[] }
  /** A purchase whose line array claims `count` lines (a negative block count when `negative`) with `tail` bytes left. */
  | { c: 'lines-count'; count: number; negative: boolean; tail: number[] }
  | { c: 'string-length'; kind: Kind; length: number }
  | { c: 'utf8'; kind: Kind; field: 'eventId' | 'userId' | 'itemId'; bytes: number[] }
  /** A click whose event time is a long beyond 2^53 (2^bits, negated when `negative`): no JavaScript number holds it. */
  | { c: 'wide-long'; bits: number; negative: boolean }
  | { c: 'enum'; index: number }
  | { c: 'union'; index: number }
  /** A click written with a registered evolution of ClickEvent whose extra field (not ours, so skipped) claims `count` entries. */
  | { c: 'evolved'; container: 'array' | 'map'; count: number; tail: number[] };

export type SchemaIdSpec =
  | { id: 'unknown'; kind: Kind; schemaId: number; body: 'own' | number[] }
  | { id: 'other-topic'; kind: Kind }
  | { id: 'recommendation'; kind: Kind };

export interface BytesSpec {
  kind: Kind;
  /** null: a record without a value (a tombstone). */
  bytes: number[] | null;
  key: KeySpec;
}

export interface KeyedSpec {
  kind: Kind;
  key: Exclude<KeySpec, 'user'>;
}

export type Case =
  | { face: 'bytes'; spec: BytesSpec }
  | { face: 'schema-id'; spec: SchemaIdSpec }
  | { face: 'corrupt-avro'; spec: Corruption }
  | { face: 'hostile-avro'; spec: HostileSpec }
  | { face: 'keys'; spec: KeyedSpec };

export type Face = Case['face'];

const kind = fc.constantFrom<Kind>('click', 'purchase');
const byte = fc.integer({ min: 0, max: 255 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** Block counts no body of EVENT_MAX_BYTES can hold: each line or entry takes at least a byte. */
const hugeCount = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 100_000, max: 5_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 5_000_000, max: 2 ** 31 - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 40, Number.MAX_SAFE_INTEGER) },
);

export const keySpec: fc.Arbitrary<KeySpec> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('user' as const) },
  { weight: 1, arbitrary: fc.constantFrom<KeySpec>('null', 'empty', 'other-user', 'ill-formed', 'case', 'padded') },
);

const CONTROL = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f', '\u0085', '\u2028', '\u202e', '\u200b'];

export const textSpec: fc.Arbitrary<TextSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00a0', '\ufeff', '\u200b').map((s) => ({ t: 'blank' as const, s })) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.constantFrom(...CONTROL), { minLength: 1, maxLength: 6 })
      .map((cs) => ({ t: 'control' as const, s: cs.join('') })),
  },
  { weight: 2, arbitrary: loneSurrogate.map((s) => ({ t: 'lone' as const, s })) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => ({ t: 'any' as const, s })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        'null',
        'undefined',
        'NaN',
        '-0',
        '../../etc/passwd',
        '<script>alert(1)</script>',
        "' OR 1=1 --",
        '$' + '{jndi:ldap://x/a}',
        '%s%n%x',
      )
      .map((s) => ({ t: 'name' as const, s })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        length: fc.oneof(fc.constantFrom(255, 256, 257), fc.integer({ min: 258, max: 3000 })),
        char: fc.constantFrom('x', 'é', '字', '😀'),
      })
      .map((r) => ({ t: 'length' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((over) => ({ t: 'oversize' as const, over })) },
);

const timeSpec: fc.Arbitrary<TimeSpec> = fc.oneof(
  fc
    .record({ at: fc.constantFrom('recent', 'soon', 'before-2000', 'far-future', 'seconds'), n: fc.maxSafeNat() })
    .map((r) => r as TimeSpec),
  fc
    .constantFrom(
      0,
      -1,
      Number.MIN_SAFE_INTEGER + 1,
      Number.MAX_SAFE_INTEGER - 1,
      Date.UTC(2000, 0, 1),
      Date.UTC(2000, 0, 1) - 1,
      8.64e15,
      -8.64e15,
    )
    .map((ms) => ({ at: 'edge' as const, ms })),
);

/** Any double a producer can write, the ones no price may be weighted up. */
const price = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: 0, max: 500, noNaN: true }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      -1,
      1e9,
      1e9 + 1,
      1e300,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    ),
  },
  { weight: 2, arbitrary: fc.double() },
);

const quantity = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -1, -(2 ** 31), 2 ** 31 - 1, 1_000_000, 1_000_001) },
  { weight: 1, arbitrary: int32 },
);

const line: fc.Arbitrary<LineSpec> = fc.record({
  itemId: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constant('repeat' as const) },
    { weight: 2, arbitrary: textSpec },
  ),
  quantity,
  price,
});

const CLICK_TEXT = ['eventId', 'userId', 'itemId', 'recommendationId', 'sessionId'];
const PURCHASE_TEXT = ['eventId', 'userId', 'orderId', 'currency', 'sessionId'];

const hostile: fc.Arbitrary<HostileSpec> = kind.chain((k) =>
  fc.record({
    kind: fc.constant(k),
    change: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          f: fc.constant('text' as const),
          field: fc.constantFrom(...(k === 'click' ? CLICK_TEXT : PURCHASE_TEXT)),
          text: textSpec,
        }),
      },
      { weight: 2, arbitrary: fc.record({ f: fc.constant('time' as const), time: timeSpec }) },
      ...(k === 'click'
        ? [
            { weight: 1, arbitrary: fc.record({ f: fc.constant('type' as const), type: fc.constantFrom(...CLICK_TYPES) }) },
            { weight: 2, arbitrary: fc.record({ f: fc.constant('price' as const), price: fc.option(price) }) },
          ]
        : [{ weight: 4, arbitrary: fc.record({ f: fc.constant('lines' as const), lines: fc.array(line, { maxLength: 40 }) }) }]),
    ),
    key: keySpec,
  }),
);

/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, beyond U+10FFFF, cut short. */
const illFormedUtf8: fc.Arbitrary<number[]> = fc.constantFrom<number[]>(
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
  [0xc3],
);

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ c: fc.constant('truncate' as const), kind, permille: fc.integer({ min: 0, max: 999 }) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('trailing' as const), kind, bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      c: fc.constant('lines-count' as const),
      count: hugeCount,
      negative: fc.boolean(),
      tail: fc.array(byte, { maxLength: 16 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('string-length' as const),
      kind,
      length: fc.oneof(
        fc.integer({ min: 70_000, max: 2 ** 31 }),
        fc.integer({ min: -(2 ** 31), max: -1 }),
        fc.constant(Number.MAX_SAFE_INTEGER),
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      c: fc.constant('utf8' as const),
      kind,
      field: fc.constantFrom('eventId' as const, 'userId' as const, 'itemId' as const),
      bytes: illFormedUtf8,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ c: fc.constant('wide-long' as const), bits: fc.integer({ min: 54, max: 62 }), negative: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('enum' as const),
      index: fc.oneof(fc.integer({ min: 4, max: 2 ** 31 }), fc.integer({ min: -(2 ** 31), max: -1 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('union' as const),
      index: fc.oneof(fc.integer({ min: 2, max: 2 ** 31 }), fc.integer({ min: -(2 ** 31), max: -1 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      c: fc.constant('evolved' as const),
      container: fc.constantFrom('array' as const, 'map' as const),
      count: hugeCount,
      tail: fc.array(byte, { maxLength: 16 }),
    }),
  },
);

/** Ids no registry hands out to the schemas of a fresh one (it counts from 1). */
const unknownId = fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 31), max: -1 }), fc.integer({ min: 10_000, max: 2 ** 31 - 1 }));

const schemaId: fc.Arbitrary<SchemaIdSpec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      id: fc.constant('unknown' as const),
      kind,
      schemaId: unknownId,
      body: fc.oneof(fc.constant('own' as const), fc.array(byte, { maxLength: 64 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ id: fc.constant('other-topic' as const), kind }) },
  { weight: 1, arbitrary: fc.record({ id: fc.constant('recommendation' as const), kind }) },
);

/** Bytes that start like the wire format name a schema id no registry has (at least 2^30). */
const unknownIfFramed = (b: number[]): number[] => (b.length >= 5 && b[0] === 0 ? [0, 0x40 | b[1]!, ...b.slice(2)] : b);

const bytes: fc.Arbitrary<BytesSpec> = fc.record({
  kind,
  bytes: fc.oneof(
    { weight: 12, arbitrary: fc.array(byte, { maxLength: 300 }).map(unknownIfFramed) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.array(byte, { minLength: 5, maxLength: 80 }).map((b) => unknownIfFramed([0, ...b.slice(1)])) },
  ),
  key: keySpec,
});

const keyed: fc.Arbitrary<KeyedSpec> = fc.record({
  kind,
  key: fc.constantFrom<KeyedSpec['key']>('null', 'empty', 'other-user', 'ill-formed', 'case', 'padded'),
});

export const FACES: Record<Face, fc.Arbitrary<Case>> = {
  bytes: bytes.map((spec) => ({ face: 'bytes', spec })),
  'schema-id': schemaId.map((spec) => ({ face: 'schema-id', spec })),
  'corrupt-avro': corruption.map((spec) => ({ face: 'corrupt-avro', spec })),
  'hostile-avro': hostile.map((spec) => ({ face: 'hostile-avro', spec })),
  keys: keyed.map((spec) => ({ face: 'keys', spec })),
};
