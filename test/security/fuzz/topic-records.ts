import avro from 'avsc';
import { EVENT_SCHEMAS } from '../../../src/events/schemas.js';
import { CLICK_TYPES } from '../../../src/events/types.js';
import { writeFrame } from '../../../src/events/wire.js';
import type { Case, Corruption, HostileSpec, KeySpec, Kind, LineSpec, SchemaIdSpec, TextSpec, TimeSpec } from './topic-inputs.js';
import { type Expect, expectOf, type OracleOptions, SCHEMA_OF } from './topic-oracle.js';

/** One record for an input topic and what the engine owes it. */
export interface FuzzRecord {
  kind: Kind;
  key: Buffer | null;
  value: Buffer | null;
  expect: Expect;
}

export interface RecordContext extends OracleOptions {
  ids: { click: number; purchase: number; recommendation: number; evolvedArray: number; evolvedMap: number };
}

/** ClickEvent grown by a last field we do not know (so a reader skips it), as a producer may register it. */
export function evolvedClickSchema(container: 'array' | 'map'): avro.Schema {
  const raw = EVENT_SCHEMAS.ClickEvent.raw as { fields: unknown[] };
  const junk = container === 'array' ? { type: 'array', items: 'long' } : { type: 'map', values: 'long' };
  return { ...raw, fields: [...raw.fields, { name: 'junk', type: junk, default: container === 'array' ? [] : {} }] } as avro.Schema;
}

const STRING = avro.Type.forSchema('string');
const LONG = avro.Type.forSchema('long');
const DAY = 86_400_000;
const MINUTE = 60_000;
const Y2K = Date.UTC(2000, 0, 1);
/** Future event times stay this far from the limit, so the later send time cannot tip the verdict. */
const MARGIN = 10 * MINUTE;

/** A zigzag varint, Avro's int and long, for any safe integer. */
export function varint(n: number | bigint): Buffer {
  let z = BigInt(n);
  z = z >= 0n ? z << 1n : (-z << 1n) - 1n;
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

/** Builds the n-th generated case (n keeps its ids unique) as a record, with its expected fate. */
export class TopicRecords {
  constructor(private readonly ctx: RecordContext) {}

  build(c: Case, n: number): FuzzRecord {
    switch (c.face) {
      case 'bytes':
        return this.bytes(c.spec.kind, c.spec.bytes, c.spec.key, n);
      case 'schema-id':
        return this.schemaId(c.spec, n);
      case 'corrupt-avro':
        return this.corrupt(c.spec, n);
      case 'hostile-avro':
        return this.hostile(c.spec, n);
      case 'keys': {
        const value = this.base(c.spec.kind, n);
        return this.judged(c.spec.kind, keyFor(c.spec.key, Buffer.from(String(value.userId)), n), value);
      }
    }
  }

  /** A valid event of the shape the collector accepts, written as Avro keyed by its user. */
  valid(event: Record<string, unknown>): FuzzRecord {
    const kind: Kind = event.type === 'purchase' ? 'purchase' : 'click';
    const { type, timestamp, ...rest } = event;
    const time = typeof timestamp === 'string' ? Date.parse(timestamp) : (timestamp as number);
    const value =
      kind === 'click'
        ? { recommendationId: null, sessionId: null, price: null, ...rest, type, timestamp: time }
        : { sessionId: null, ...rest, timestamp: time };
    return this.judged(kind, Buffer.from(String(event.userId)), value);
  }

  private base(kind: Kind, n: number): Record<string, unknown> {
    const common = { eventId: `he-${n}`, userId: `hu-${n}`, timestamp: this.ctx.now - MINUTE };
    return kind === 'click'
      ? {
          ...common,
          type: CLICK_TYPES[n % CLICK_TYPES.length],
          itemId: `hi-${n % 300}`,
          recommendationId: null,
          sessionId: `hs-${n % 7}`,
          price: 3.25,
        }
      : { ...common, orderId: `ho-${n}`, currency: 'EUR', items: [{ itemId: `hi-${n % 300}`, quantity: 1, price: 2.5 }], sessionId: null };
  }

  private body(kind: Kind, value: Record<string, unknown>): Buffer {
    return SCHEMA_OF[kind].type.toBuffer(value);
  }

  private encode(kind: Kind, value: Record<string, unknown>): Buffer {
    return writeFrame(this.ctx.ids[kind], this.body(kind, value));
  }

  /** The record of `written` in our schema's wire format, judged by the oracle. */
  private judged(kind: Kind, key: Buffer | null, written: Record<string, unknown>): FuzzRecord {
    const value = this.encode(kind, written);
    return { kind, key, value, expect: expectOf(kind, key, written, value, this.ctx) };
  }

  private bytes(kind: Kind, bytes: number[] | null, key: KeySpec, n: number): FuzzRecord {
    const value = bytes === null ? null : Buffer.from(bytes);
    // The generator makes any framed bytes name an id no registry has.
    const reason = value === null || value.length < 5 || value[0] !== 0 ? 'undecodable' : 'unknown-schema';
    return { kind, key: keyFor(key, Buffer.from(`hu-${n}`), n), value, expect: { refused: reason } };
  }

  private schemaId(spec: SchemaIdSpec, n: number): FuzzRecord {
    const key = Buffer.from(`hu-${n}`);
    const { kind } = spec;
    if (spec.id === 'unknown') {
      const body = spec.body === 'own' ? this.body(kind, this.base(kind, n)) : Buffer.from(spec.body);
      return { kind, key, value: writeFrame(spec.schemaId, body), expect: { refused: 'unknown-schema' } };
    }
    if (spec.id === 'other-topic') {
      const other: Kind = kind === 'click' ? 'purchase' : 'click';
      return { kind, key, value: this.encode(other, this.base(other, n)), expect: { refused: 'wrong-subject' } };
    }
    const rec = EVENT_SCHEMAS.Recommendation.type.toBuffer({
      userId: `hu-${n}`,
      recommendationId: `r-${n}`,
      generatedAt: this.ctx.now,
      triggerEventId: null,
      modelVersion: 'fuzz',
      items: [{ itemId: `hi-${n % 300}`, score: 1, reasons: ['trending'] }],
      userScores: null,
    });
    return { kind, key, value: writeFrame(this.ctx.ids.recommendation, rec), expect: { refused: 'wrong-subject' } };
  }

  /** Avro that is cut short or claims more than it holds: never an event, always 'undecodable'. */
  private corrupt(spec: Corruption, n: number): FuzzRecord {
    const undecodable = (kind: Kind, body: Buffer, key: Buffer = Buffer.from(`hu-${n}`), id = this.ctx.ids[kind]): FuzzRecord => ({
      kind,
      key,
      value: writeFrame(id, body),
      expect: { refused: 'undecodable' },
    });
    switch (spec.c) {
      case 'truncate': {
        const body = this.body(spec.kind, this.base(spec.kind, n));
        return undecodable(spec.kind, body.subarray(0, Math.floor((body.length * spec.permille) / 1000)));
      }
      case 'trailing':
        return undecodable(spec.kind, Buffer.concat([this.body(spec.kind, this.base(spec.kind, n)), Buffer.from(spec.bytes)]));
      case 'lines-count': {
        // No lines and no session: the body ends with the array's end marker and the null branch.
        const body = this.body('purchase', { ...this.base('purchase', n), items: [], sessionId: null });
        const count = spec.negative ? Buffer.concat([varint(-spec.count), varint(spec.tail.length)]) : varint(spec.count);
        return undecodable('purchase', Buffer.concat([body.subarray(0, body.length - 2), count, Buffer.from(spec.tail)]));
      }
      case 'string-length': {
        const value = this.base(spec.kind, n);
        const body = this.body(spec.kind, value);
        const prefix = STRING.toBuffer(value.eventId).length - Buffer.byteLength(String(value.eventId));
        return undecodable(spec.kind, Buffer.concat([varint(spec.length), body.subarray(prefix)]));
      }
      case 'utf8': {
        const marker = 'Q'.repeat(spec.bytes.length);
        const value = this.base(spec.kind, n);
        if (spec.field === 'itemId' && spec.kind === 'purchase') value.items = [{ itemId: `hi-${n}-${marker}`, quantity: 1, price: 2.5 }];
        else value[spec.field] = `${String(value[spec.field])}-${marker}`;
        const body = this.body(spec.kind, value);
        const at = body.indexOf(marker);
        Buffer.from(spec.bytes).copy(body, at);
        const key = spec.field === 'userId' ? Buffer.concat([Buffer.from(`hu-${n}-`), Buffer.from(spec.bytes)]) : Buffer.from(`hu-${n}`);
        return undecodable(spec.kind, body, key);
      }
      case 'wide-long': {
        const value = this.base('click', n);
        const body = this.body('click', value);
        const at = STRING.toBuffer(`he-${n}`).length + STRING.toBuffer(`hu-${n}`).length;
        const wide = varint((spec.negative ? -1n : 1n) * 2n ** BigInt(spec.bits));
        return undecodable(
          'click',
          Buffer.concat([body.subarray(0, at), wide, body.subarray(at + LONG.toBuffer(value.timestamp as number).length)]),
        );
      }
      case 'enum': {
        const value: Record<string, unknown> = { ...this.base('click', n), type: 'view' };
        const body = this.body('click', value);
        const at = STRING.toBuffer(`he-${n}`).length + STRING.toBuffer(`hu-${n}`).length + LONG.toBuffer(value.timestamp as number).length;
        return undecodable('click', Buffer.concat([body.subarray(0, at), varint(spec.index), body.subarray(at + 1)]));
      }
      case 'union': {
        // The price is the last field; null is its first branch, one byte.
        const body = this.body('click', { ...this.base('click', n), price: null });
        return undecodable('click', Buffer.concat([body.subarray(0, body.length - 1), varint(spec.index), Buffer.alloc(8, 0x41)]));
      }
      case 'evolved': {
        const body = this.body('click', this.base('click', n));
        const id = spec.container === 'array' ? this.ctx.ids.evolvedArray : this.ctx.ids.evolvedMap;
        return undecodable('click', Buffer.concat([body, varint(spec.count), Buffer.from(spec.tail)]), undefined, id);
      }
    }
  }

  private hostile(spec: HostileSpec, n: number): FuzzRecord {
    const value = this.base(spec.kind, n);
    const change = spec.change;
    switch (change.f) {
      case 'text':
        value[change.field] = this.text(change.text, String(value[change.field] ?? `hx-${n}`));
        break;
      case 'time':
        value.timestamp = this.time(change.time);
        break;
      case 'type':
        value.type = change.type;
        break;
      case 'price':
        value.price = change.price;
        break;
      case 'lines':
        value.items = change.lines.map((line, i) => this.line(line, i, change.lines, n));
        break;
    }
    return this.judged(spec.kind, keyFor(spec.key, Buffer.from(String(value.userId), 'utf8'), n), value);
  }

  /** Where uniqueness matters (a prefix on `base`) it is kept, so accepted events never collide. */
  private text(spec: TextSpec, base: string): string {
    switch (spec.t) {
      case 'blank':
      case 'any':
      case 'name':
        return spec.s;
      case 'control':
      case 'lone':
        return `${spec.s}${base}`;
      case 'length':
        return spec.char.repeat(Math.ceil(spec.length / spec.char.length));
      case 'oversize':
        return 'x'.repeat(this.ctx.maxBytes + spec.over);
    }
  }

  private time(spec: TimeSpec): number {
    const { now, maxFutureMs } = this.ctx;
    switch (spec.at) {
      case 'edge':
        return spec.ms;
      case 'recent':
        return now - (spec.n % (30 * DAY));
      case 'soon':
        return now + (spec.n % Math.max(1, maxFutureMs - MARGIN));
      case 'before-2000':
        return Y2K - 1 - (spec.n % (400 * 365 * DAY));
      case 'far-future':
        return now + maxFutureMs + MARGIN + (spec.n % (10_000 * 365 * DAY));
      case 'seconds':
        return Math.floor(now / 1000) - (spec.n % 1000);
    }
  }

  private line(spec: LineSpec, i: number, all: LineSpec[], n: number): Record<string, unknown> {
    const first = all[0]?.itemId;
    const plain = (j: number) => `hi-${(n + j) % 300}`;
    const firstId = first === null || first === 'repeat' || first === undefined ? plain(0) : this.text(first, `hi-${n}-0`);
    const itemId = spec.itemId === null ? plain(i) : spec.itemId === 'repeat' ? firstId : this.text(spec.itemId, `hi-${n}-${i}`);
    return { itemId, quantity: spec.quantity, price: spec.price };
  }
}

/** The key a record carries: its user's id in UTF-8, or one of the ways a producer gets that wrong. */
function keyFor(spec: KeySpec, user: Buffer, n: number): Buffer | null {
  switch (spec) {
    case 'user':
      return user;
    case 'null':
      return null;
    case 'empty':
      return Buffer.alloc(0);
    case 'other-user':
      return Buffer.from(`hu-${n + 1}`);
    case 'ill-formed':
      return Buffer.concat([user, Buffer.from([0xff])]);
    case 'case':
      return Buffer.from(user.toString('utf8').toUpperCase());
    case 'padded':
      return Buffer.concat([user, Buffer.from(' ')]);
  }
}
