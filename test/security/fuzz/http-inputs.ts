import fc from 'fast-check';
import { type HostileEvents, type HostileSpec, hostileSpec, verdict } from './hostile-events.js';
import type { Position, SentRequest } from './ledger.js';
import { type ValidEvents, type ValidSlot, validSlot } from './valid-events.js';

/**
 * Generated inputs for POST /v1/events, as small descriptors (so shrunk counterexamples print
 * readably), and the builder that turns one into a request plus what the ledger must expect of it.
 */

export interface HttpPlan {
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** Starts with '?' or is empty. */
  query: string;
  sent: SentRequest;
}

export type KeyPlace = 'header-a' | 'header-b' | 'query-a' | 'query-b';
const keyPlace: fc.Arbitrary<KeyPlace> = fc.constantFrom('header-a', 'header-b', 'query-a', 'query-b');

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/x-ndjson; charset=utf-8',
];
/** Types under which a JSON body must be read as JSON (sendBeacon sends text/plain); null = no header. */
const jsonType = fc.constantFrom<string | null>(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain;charset=UTF-8',
  'text/plain',
  'APPLICATION/JSON',
  null,
);
const PRINTABLE = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const LATIN1 = fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c));
/** Anything a client may put in Content-Type except the NDJSON types (which change how a body is read). */
const otherType = fc
  .oneof(
    jsonType,
    fc.constantFrom(
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/html',
      '*/*',
      ';;;',
      'application/json; charset=utf-16',
      'application/json; charset="',
      'application/',
      '/',
      'a/b/c',
      'text/plain; charset=utf-8; charset=latin1',
      '',
    ),
    fc.string({ unit: PRINTABLE, maxLength: 60 }),
    fc.string({ unit: fc.oneof(PRINTABLE, LATIN1), maxLength: 30 }),
  )
  .filter((t) => t === null || !NDJSON_TYPES.includes(t.split(';')[0]!.trim().toLowerCase()));
const anyType = fc.oneof(otherType, fc.constantFrom(...NDJSON_TYPES));

/** Query strings a browser or a scanner might send: stray escapes, repeated and bracketed names, prototype keys. */
const QUERY_CHARS = fc.constantFrom(...'&=%?[]+;,/abcAZ09.-_~ é'.split(''));
export const oddQuery: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.string({ unit: QUERY_CHARS, maxLength: 60 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%zz',
      '%',
      '%%',
      '%u0000',
      '%00',
      '%ff%fe',
      '%ed%a0%80',
      'writeKey',
      'writeKey=',
      'writeKey[]=x',
      'a[b][c]=1',
      '__proto__[x]=1',
      'constructor[prototype][x]=1',
      '&&&&',
      '=',
      'limit=-1',
      'a=1&a=2&a=3',
    ),
  },
);
/** Parameters that make the request line long (built at send time so counterexamples stay short). */
const longQuery = fc.integer({ min: 4000, max: 20_000 }).map((pad) => ({ pad }));

export interface BuildContext {
  keys: readonly [string, string];
  valid: ValidEvents;
  hostile: HostileEvents;
}

/** Puts a correct key where `place` says, after the junk parameters (a stray writeKey among them is dropped). */
function keyed(ctx: BuildContext, place: KeyPlace, rawJunk: string, headers: Record<string, string>): string {
  const junk = place.startsWith('query') && /writekey/i.test(rawJunk) ? '' : rawJunk;
  const key = place.endsWith('-a') ? ctx.keys[0] : ctx.keys[1];
  if (place.startsWith('header')) {
    headers['x-write-key'] = key;
    return junk === '' ? '' : `?${junk}`;
  }
  return `?${junk === '' ? '' : `${junk}&`}writeKey=${encodeURIComponent(key)}`;
}

function typed(headers: Record<string, string>, type: string | null): Record<string, string> {
  if (type !== null) headers['content-type'] = type;
  return headers;
}

const validPosition = (event: Record<string, unknown>): Position => ({ role: 'valid', event });
const hostilePosition = (text: string, spec: HostileSpec | null): Position => ({
  role: 'hostile',
  event: JSON.parse(text),
  mustReject: spec === null ? null : verdict(spec),
});

// ---------------------------------------------------------------------------------------------------
// Raw bodies: nothing in them is an event (a byte-order mark may hide one: either answer is right).

export type RawBody =
  | { k: 'text'; s: string }
  | { k: 'junk'; s: string }
  | { k: 'json'; s: string }
  | { k: 'bytes'; b: Uint8Array }
  | { k: 'truncated'; cut: number }
  | { k: 'blank'; s: string }
  | { k: 'bom' }
  | { k: 'oversize'; bytes: number }
  | { k: 'too-many'; n: number };

export interface RawInput {
  body: RawBody;
  type: string | null;
  key: KeyPlace;
  query: string;
}

const JSON_CHARS = fc.constantFrom(...'{}[]":,0123456789.eE+-truefalsn \n\t\\u/'.split(''));

export const rawInput: fc.Arbitrary<RawInput> = fc.record({
  body: fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((s) => ({ k: 'text' as const, s })) },
    { weight: 6, arbitrary: fc.string({ unit: JSON_CHARS, maxLength: 300 }).map((s) => ({ k: 'junk' as const, s })) },
    { weight: 6, arbitrary: fc.json({ maxDepth: 4, stringUnit: 'binary' }).map((s) => ({ k: 'json' as const, s })) },
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ k: 'bytes' as const, b })) },
    { weight: 4, arbitrary: fc.nat().map((cut) => ({ k: 'truncated' as const, cut })) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '\n\n', '\r\n', '\t', '\u00a0', '\ufeff').map((s) => ({ k: 'blank' as const, s })) },
    { weight: 2, arbitrary: fc.constant({ k: 'bom' as const }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_048_577, max: 1_100_000 }).map((bytes) => ({ k: 'oversize' as const, bytes })) },
    { weight: 1, arbitrary: fc.integer({ min: 1001, max: 3000 }).map((n) => ({ k: 'too-many' as const, n })) },
  ),
  type: anyType,
  key: keyPlace,
  query: oddQuery,
});

export function buildRaw(input: RawInput, ctx: BuildContext): HttpPlan {
  const headers = typed({}, input.type);
  const query = keyed(ctx, input.key, input.query, headers);
  const sent = (positions: Position[] | null): SentRequest => ({ face: 'http-raw', positions, unauthorized: false, mustAccept: false });
  const b = input.body;
  switch (b.k) {
    case 'text':
    case 'junk':
    case 'json':
    case 'blank':
      return { body: b.s, headers, query, sent: sent(null) };
    case 'bytes':
      return { body: b.b, headers, query, sent: sent(null) };
    case 'truncated': {
      const whole = `[${ctx.hostile.text({ kind: 'click', clickType: 'view', lines: 1, op: 'extra-only', field: 'eventId', value: { k: 'null' }, extras: [] })}]`;
      return { body: whole.slice(0, b.cut % whole.length), headers, query, sent: sent(null) };
    }
    case 'bom': {
      // A byte-order mark before the JSON: refusing it or reading past it are both fine.
      const text = ctx.hostile.text({
        kind: 'click',
        clickType: 'view',
        lines: 1,
        op: 'extra-only',
        field: 'eventId',
        value: { k: 'null' },
        extras: [],
      });
      return { body: `\ufeff${text}`, headers, query, sent: sent([hostilePosition(text, null)]) };
    }
    case 'oversize':
      return { body: `[${'"x",'.repeat(Math.ceil(b.bytes / 4))}"x"]`, headers, query, sent: sent(null) };
    case 'too-many':
      return { body: `[${Array.from({ length: b.n }, () => '{}').join(',')}]`, headers, query, sent: sent(null) };
  }
}

// ---------------------------------------------------------------------------------------------------
// Nesting: deep arrays and objects, alone, next to an event, inside an event, on an NDJSON line.

export interface NestInput {
  depth: number;
  shape: 'array' | 'object' | 'mixed';
  where: 'body' | 'beside-event' | 'event-extra' | 'event-id' | 'ndjson-line' | 'unclosed';
  key: KeyPlace;
}

export const nestInput: fc.Arbitrary<NestInput> = fc.record({
  depth: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 200 }) },
    { weight: 2, arbitrary: fc.integer({ min: 200, max: 4_000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 4_000, max: 20_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(4_999, 5_000, 10_000, 100_000) },
  ),
  shape: fc.constantFrom('array', 'object', 'mixed'),
  where: fc.constantFrom('body', 'beside-event', 'event-extra', 'event-id', 'ndjson-line', 'unclosed'),
  key: keyPlace,
});

function nested(depth: number, shape: NestInput['shape'], closed = true): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const array = shape === 'array' || (shape === 'mixed' && i % 2 === 0);
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return closed ? `${open}1${close}` : open;
}

export function buildNest(input: NestInput, ctx: BuildContext): HttpPlan {
  const headers = typed({}, 'application/json');
  const query = keyed(ctx, input.key, '', headers);
  const deep = nested(input.depth, input.shape, input.where !== 'unclosed');
  const sent = (positions: Position[] | null): SentRequest => ({ face: 'http-nesting', positions, unauthorized: false, mustAccept: false });
  const event = (extra: Array<[string, unknown]> = []): string =>
    ctx.hostile.text({
      kind: 'click',
      clickType: 'view',
      lines: 1,
      op: 'extra-only',
      field: 'eventId',
      value: { k: 'null' },
      extras: extra,
    });
  switch (input.where) {
    case 'body':
    case 'unclosed':
      return { body: deep, headers, query, sent: sent(null) };
    case 'beside-event': {
      const text = event();
      return { body: `[${text},${deep}]`, headers, query, sent: sent([hostilePosition(text, null), { role: 'garbage' }]) };
    }
    case 'event-extra': {
      const text = event([['deep', 0]]).replace(/"deep":0/, `"deep":${deep}`);
      return { body: `[${text}]`, headers, query, sent: sent([{ role: 'hostile', event: JSON.parse(text), mustReject: null }]) };
    }
    case 'event-id': {
      const text = event().replace(/"itemId":"[^"]*"/, `"itemId":${deep}`);
      return {
        body: `[${text}]`,
        headers,
        query,
        sent: sent([{ role: 'hostile', event: JSON.parse(text), mustReject: 'a field has the wrong JSON type' }]),
      };
    }
    case 'ndjson-line': {
      const [a, b] = [event(), event()];
      headers['content-type'] = 'application/x-ndjson';
      return {
        body: `${a}\n${deep}\n${b}\n`,
        headers,
        query,
        sent: sent([hostilePosition(a, null), { role: 'garbage' }, hostilePosition(b, null)]),
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Batches: hostile events, garbage values and valid events in one JSON array (or a single object).

export type BatchItem = { k: 'valid'; slot: ValidSlot } | { k: 'hostile'; spec: HostileSpec } | { k: 'garbage'; v: unknown };

export interface BatchInput {
  items: BatchItem[];
  single: boolean;
  type: string | null;
  key: KeyPlace;
  query: string;
  /** Valid events sent in their own request just before this one. */
  separate: ValidSlot[];
}

const garbageValue = fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' });

export const batchInput: fc.Arbitrary<BatchInput> = fc.record({
  items: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: hostileSpec.map((spec) => ({ k: 'hostile' as const, spec })) },
      { weight: 2, arbitrary: validSlot.map((slot) => ({ k: 'valid' as const, slot })) },
      { weight: 1, arbitrary: garbageValue.map((v) => ({ k: 'garbage' as const, v })) },
    ),
    { minLength: 1, maxLength: 8 },
  ),
  single: fc.boolean(),
  type: fc.oneof({ weight: 4, arbitrary: jsonType }, { weight: 1, arbitrary: otherType }),
  key: keyPlace,
  query: oddQuery,
  separate: fc.oneof(
    { weight: 3, arbitrary: fc.constant<ValidSlot[]>([]) },
    { weight: 1, arbitrary: fc.array(validSlot, { minLength: 1, maxLength: 3 }) },
  ),
});

/** The valid events of `slots` alone, in one clean request. */
export function buildValidOnly(slots: ValidSlot[], ctx: BuildContext, face: string): HttpPlan {
  return buildValidRequest(
    slots.map((s) => ctx.valid.event(s)),
    ctx,
    face,
  );
}

export function buildValidRequest(events: Array<Record<string, unknown>>, ctx: BuildContext, face: string): HttpPlan {
  const headers = typed({}, 'application/json');
  const query = keyed(ctx, 'header-a', '', headers);
  return {
    body: JSON.stringify(events),
    headers,
    query,
    sent: { face, positions: events.map(validPosition), unauthorized: false, mustAccept: true },
  };
}

export function buildBatch(input: BatchInput, ctx: BuildContext): HttpPlan {
  const texts: string[] = [];
  const positions: Position[] = [];
  for (const item of input.items) {
    if (item.k === 'valid') {
      const event = ctx.valid.event(item.slot);
      texts.push(JSON.stringify(event));
      positions.push(validPosition(event));
    } else if (item.k === 'hostile') {
      const text = ctx.hostile.text(item.spec);
      texts.push(text);
      positions.push(hostilePosition(text, item.spec));
    } else {
      texts.push(JSON.stringify(item.v) ?? 'null');
      positions.push({ role: 'garbage' });
    }
  }
  // A lone object is read as a one-event batch; a lone non-object is not a batch at all.
  const single = input.single && texts.length === 1 && positions[0]!.role !== 'garbage';
  const body = single ? texts[0]! : `[${texts.join(',')}]`;
  const hasValid = positions.some((p) => p.role === 'valid');
  const cleanType = input.type === null || ['application/json', 'text/plain'].includes(input.type.split(';')[0]!.trim().toLowerCase());
  const headers = typed({}, input.type);
  const query = keyed(ctx, input.key, input.query, headers);
  return { body, headers, query, sent: { face: 'http-batch', positions, unauthorized: false, mustAccept: hasValid && cleanType } };
}

// ---------------------------------------------------------------------------------------------------
// NDJSON: valid lines, broken lines, blank lines, hostile lines; CRLF or LF.

export type NdLine =
  | { k: 'valid'; slot: ValidSlot }
  | { k: 'hostile'; spec: HostileSpec }
  | { k: 'broken'; s: string }
  | { k: 'cut'; at: number }
  | { k: 'json'; v: unknown }
  | { k: 'blank'; s: string };

export interface NdjsonInput {
  lines: NdLine[];
  crlf: boolean;
  trailing: boolean;
  declared: boolean;
  key: KeyPlace;
  query: string;
}

export const ndjsonInput: fc.Arbitrary<NdjsonInput> = fc.record({
  lines: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: validSlot.map((slot) => ({ k: 'valid' as const, slot })) },
      { weight: 2, arbitrary: hostileSpec.map((spec) => ({ k: 'hostile' as const, spec })) },
      {
        weight: 3,
        arbitrary: fc
          .string({ unit: fc.oneof(JSON_CHARS, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 80 })
          .map((s) => ({ k: 'broken' as const, s })),
      },
      { weight: 2, arbitrary: fc.nat().map((at) => ({ k: 'cut' as const, at })) },
      { weight: 1, arbitrary: garbageValue.map((v) => ({ k: 'json' as const, v })) },
      { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '\r', '\u00a0').map((s) => ({ k: 'blank' as const, s })) },
    ),
    { minLength: 1, maxLength: 12 },
  ),
  crlf: fc.boolean(),
  trailing: fc.boolean(),
  declared: fc.boolean(),
  key: keyPlace,
  query: oddQuery,
});

export function buildNdjson(input: NdjsonInput, ctx: BuildContext): HttpPlan {
  // Without an NDJSON content type the collector sniffs the format from a first line that parses.
  const lines: NdLine[] = input.declared ? input.lines : [{ k: 'valid', slot: { fresh: input.lines.length } }, ...input.lines];
  const texts: string[] = [];
  const positions: Position[] = [];
  for (const line of lines) {
    let text: string;
    let position: Position;
    switch (line.k) {
      case 'valid': {
        const event = ctx.valid.event(line.slot);
        text = JSON.stringify(event);
        position = validPosition(event);
        break;
      }
      case 'hostile':
        text = ctx.hostile.text(line.spec);
        position = hostilePosition(text, line.spec);
        break;
      case 'broken':
        text = line.s.replaceAll('\n', ' ');
        position = { role: 'garbage' };
        break;
      case 'cut': {
        const whole = JSON.stringify(ctx.valid.event({ fresh: line.at }));
        text = whole.slice(0, 1 + (line.at % (whole.length - 1)));
        position = { role: 'garbage' };
        break;
      }
      case 'json':
        text = JSON.stringify(line.v) ?? 'null';
        position = { role: 'garbage' };
        break;
      case 'blank':
        text = line.s;
        position = { role: 'garbage' };
        break;
    }
    texts.push(text);
    if (text.trim() !== '') positions.push(position);
  }
  const eol = input.crlf ? '\r\n' : '\n';
  const body = texts.join(eol) + (input.trailing ? eol : '');
  const headers = typed({}, input.declared ? 'application/x-ndjson' : 'text/plain;charset=UTF-8');
  const query = keyed(ctx, input.key, input.query, headers);
  const hasValid = positions.some((p) => p.role === 'valid');
  // Sniffing needs a second non-blank line; a lone event line must then be a JSON body by itself.
  const readable = input.declared || positions.length >= 2 || parses(body);
  return { body, headers, query, sent: { face: 'http-ndjson', positions, unauthorized: false, mustAccept: hasValid && readable } };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Write keys: missing, empty, wrong, near-misses, in the wrong place, twice; odd and long query strings.

export type KeyValue =
  | { k: 'right'; which: 0 | 1 }
  | { k: 'wrong'; s: string }
  | { k: 'near'; which: 0 | 1; how: 'case' | 'prefix' | 'suffix' | 'inner' | 'truncated' | 'doubled' };
export type KeySpec =
  | { k: 'none' }
  | { k: 'header-empty' }
  | { k: 'header'; v: KeyValue }
  | { k: 'query'; v: KeyValue }
  | { k: 'query-twice'; a: KeyValue; b: KeyValue }
  | { k: 'header-and-query'; h: KeyValue; q: KeyValue }
  | { k: 'authorization'; v: KeyValue };

export interface AuthInput {
  key: KeySpec;
  query: string | { pad: number };
  type: string | null;
  events: number;
  valid: ValidSlot[];
}

const keyValue: fc.Arbitrary<KeyValue> = fc.oneof(
  fc.constantFrom(0 as const, 1 as const).map((which) => ({ k: 'right' as const, which })),
  fc
    .oneof(
      fc.string({ unit: PRINTABLE, minLength: 1, maxLength: 60 }),
      fc.string({ unit: LATIN1, minLength: 1, maxLength: 10 }),
      fc.integer({ min: 1000, max: 8000 }).map((n) => 'k'.repeat(n)),
    )
    .map((s) => ({ k: 'wrong' as const, s: s.trim() === '' ? 'x' : s.trim() })),
  fc
    .record({
      which: fc.constantFrom(0 as const, 1 as const),
      how: fc.constantFrom('case', 'prefix', 'suffix', 'inner', 'truncated', 'doubled'),
    })
    .map((r) => ({ k: 'near' as const, ...r })),
);

export const authInput: fc.Arbitrary<AuthInput> = fc.record({
  key: fc.oneof(
    fc.constant({ k: 'none' as const }),
    fc.constant({ k: 'header-empty' as const }),
    keyValue.map((v) => ({ k: 'header' as const, v })),
    keyValue.map((v) => ({ k: 'query' as const, v })),
    fc.record({ a: keyValue, b: keyValue }).map((r) => ({ k: 'query-twice' as const, ...r })),
    fc.record({ h: keyValue, q: keyValue }).map((r) => ({ k: 'header-and-query' as const, ...r })),
    keyValue.map((v) => ({ k: 'authorization' as const, v })),
  ),
  query: fc.oneof({ weight: 5, arbitrary: oddQuery }, { weight: 1, arbitrary: longQuery }),
  type: jsonType,
  events: fc.integer({ min: 1, max: 3 }),
  valid: fc.array(validSlot, { maxLength: 2 }),
});

function keyText(v: KeyValue, keys: readonly [string, string]): string {
  if (v.k === 'wrong') return keys.includes(v.s) ? `${v.s}!` : v.s;
  if (v.k === 'right') return keys[v.which];
  const key = keys[v.which];
  switch (v.how) {
    case 'case':
      return key.toUpperCase() === key ? key.toLowerCase() : key.toUpperCase();
    case 'prefix':
      return `x${key}`;
    case 'suffix':
      return `${key}x`;
    case 'inner':
      return `${key.slice(0, 3)}${key[3] === 'z' ? 'y' : 'z'}${key.slice(4)}`;
    case 'truncated':
      return key.slice(0, -1);
    case 'doubled':
      return `${key},${key}`;
  }
}

export function buildAuth(input: AuthInput, ctx: BuildContext): HttpPlan {
  const headers = typed({}, input.type);
  const junk = typeof input.query === 'string' ? input.query : `pad=${'b'.repeat(input.query.pad)}`;
  const params: string[] = junk === '' ? [] : [junk];
  const key = input.key;
  const text = (v: KeyValue): string => keyText(v, ctx.keys);
  switch (key.k) {
    case 'none':
      break;
    case 'header-empty':
      headers['x-write-key'] = '';
      break;
    case 'header':
      headers['x-write-key'] = text(key.v);
      break;
    case 'query':
      params.push(`writeKey=${encodeURIComponent(text(key.v))}`);
      break;
    case 'query-twice':
      params.push(`writeKey=${encodeURIComponent(text(key.a))}`, `writeKey=${encodeURIComponent(text(key.b))}`);
      break;
    case 'header-and-query':
      headers['x-write-key'] = text(key.h);
      params.push(`writeKey=${encodeURIComponent(text(key.q))}`);
      break;
    case 'authorization':
      headers.authorization = `Bearer ${text(key.v)}`;
      break;
  }
  const query = params.length === 0 ? '' : `?${params.join('&')}`;
  // A correct key anywhere (header, or any writeKey parameter) may be honoured; with none the answer must be 401.
  const presented = [headers['x-write-key']?.trim(), ...new URLSearchParams(query.slice(1)).getAll('writeKey')];
  const unauthorized = !presented.some((p) => p !== undefined && ctx.keys.includes(p));
  const texts: string[] = [];
  const positions: Position[] = [];
  for (let i = 0; i < input.events; i++) {
    const t = ctx.hostile.text({
      kind: 'click',
      clickType: 'click',
      lines: 1,
      op: 'extra-only',
      field: 'eventId',
      value: { k: 'null' },
      extras: [],
    });
    texts.push(t);
    positions.push(hostilePosition(t, null));
  }
  for (const slot of input.valid) {
    // Valid events with a doubtful key are owed only if the server says it took them.
    const event = ctx.valid.event(slot);
    texts.push(JSON.stringify(event));
    positions.push({ role: 'hostile', event, mustReject: null });
  }
  return { body: `[${texts.join(',')}]`, headers, query, sent: { face: 'http-auth', positions, unauthorized, mustAccept: false } };
}
