import { isUtf8 } from 'node:buffer';
import avro from 'avsc';

/**
 * avsc types that refuse, instead of believing, what an Avro body claims about itself. avsc trusts an
 * array's block count: a purchase of 23 bytes claiming ten million lines allocates ten million of
 * them (and a hundred million exhausts the heap), and a skipped field claiming 2^50 entries spins for
 * ever. It also turns bytes that are not UTF-8 into U+FFFD, so distinct ids ("u\xff", "u\xfe")
 * would read as one. Built with these options, a type throws instead; the serde reports the record
 * as undecodable. Writing is unchanged.
 *
 * The overrides use avsc's read cursor (its Tap: `buf`, `pos`, `readLong`, `skipLong`, `skipString`),
 * the interface avsc's own types are written against.
 */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  skipString(): void;
}

/** The part of a type (or of avsc's resolver standing in for one) these overrides call. */
interface Readable {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

/**
 * The item count of the next block (0 at the end). Every item of an array takes at least one byte
 * unless its type holds no data at all (null, a record of nulls): only those may claim more items
 * than bytes are left. Map entries always take a byte (their key).
 */
function blockCount(tap: Tap, what: string, itemsTakeBytes: boolean): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // the block's size in bytes, which we do not need
  }
  const left = tap.buf.length - tap.pos;
  if (itemsTakeBytes && n > left) throw new Error(`${what} claims ${n} items with ${Math.max(0, left)} bytes left`);
  return n;
}

function holdsNoData(type: unknown, seen = new Set<unknown>()): boolean {
  if (!(type instanceof avro.Type) || seen.has(type)) return false;
  seen.add(type);
  if (type.typeName === 'null') return true;
  if (type instanceof avro.types.RecordType) return type.fields.every((f) => holdsNoData(f.type, seen));
  if (type instanceof avro.types.FixedType) return type.size === 0;
  return false;
}

class WellFormedString extends avro.types.StringType {
  _read(tap: Tap): string {
    const length = tap.readLong();
    const start = tap.pos;
    if (length < 0 || length > tap.buf.length - start) {
      throw new Error(`a string claims ${length} bytes with ${Math.max(0, tap.buf.length - start)} left`);
    }
    tap.pos += length;
    const bytes = tap.buf.subarray(start, tap.pos);
    if (!isUtf8(bytes)) throw new Error(`a string is not well-formed UTF-8 (${JSON.stringify(bytes.toString('utf8').slice(0, 40))})`);
    return bytes.toString('utf8');
  }
}

const STRING = new WellFormedString();

class BoundedArray extends avro.types.ArrayType {
  // `this` is the reader's array type, or avsc's resolver (with the item resolver) reading a writer's array.
  _read(this: { itemsType: Readable }, tap: Tap): unknown[] {
    const items = this.itemsType;
    const takesBytes = !holdsNoData(items);
    const out: unknown[] = [];
    for (let n = blockCount(tap, 'an array', takesBytes); n !== 0; n = blockCount(tap, 'an array', takesBytes)) {
      for (let i = 0; i < n; i++) out.push(items._read(tap));
    }
    return out;
  }

  _skip(tap: Tap): void {
    const items = this.itemsType as unknown as Readable;
    if (holdsNoData(this.itemsType)) {
      while (blockCount(tap, 'an array', false) !== 0);
      return;
    }
    for (let n = blockCount(tap, 'an array', true); n !== 0; n = blockCount(tap, 'an array', true)) {
      for (let i = 0; i < n; i++) items._skip(tap);
    }
  }
}

class BoundedMap extends avro.types.MapType {
  _read(this: { valuesType: Readable }, tap: Tap): Record<string, unknown> {
    const values = this.valuesType;
    // No prototype: a key "__proto__" is an entry like any other.
    const out: Record<string, unknown> = Object.create(null);
    for (let n = blockCount(tap, 'a map', true); n !== 0; n = blockCount(tap, 'a map', true)) {
      for (let i = 0; i < n; i++) {
        const key = STRING._read(tap);
        out[key] = values._read(tap);
      }
    }
    return out;
  }

  _skip(tap: Tap): void {
    const values = this.valuesType as Readable;
    for (let n = blockCount(tap, 'a map', true); n !== 0; n = blockCount(tap, 'a map', true)) {
      for (let i = 0; i < n; i++) {
        tap.skipString();
        values._skip(tap);
      }
    }
  }
}

function typeHook(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (schema === 'string') return new WellFormedString();
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const s = schema as { type?: unknown };
  if (s.type === 'string') return new WellFormedString();
  if (s.type === 'array') return new BoundedArray(schema, opts);
  if (s.type === 'map') return new BoundedMap(schema, opts);
  return undefined;
}

/** A type for a schema that reads only what its bytes really hold; for our schemas and for writers' from the registry. */
export function readingType(schema: avro.Schema): avro.Type {
  return avro.Type.forSchema(schema, { typeHook });
}
