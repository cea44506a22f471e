import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ColumnError, detectColumns, mapEventType, parseTimestamp } from '../../src/eval/columns.js';
import { parseCsv, readCsvFile } from '../../src/eval/csv.js';
import { readInteractionFile } from '../../src/eval/interactions.js';
import { readInteractionText } from '../helpers/interaction-text.js';

async function* pieces(parts: string[]): AsyncGenerator<string> {
  for (const p of parts) yield p;
}

async function records(parts: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of parseCsv(pieces(parts))) out.push(r);
  return out;
}

describe('parseCsv', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes', async () => {
    const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\nplain,,end\n';
    expect(await records([text])).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['plain', '', 'end'],
    ]);
  });

  it('handles CRLF, a BOM, blank lines and a last record without a line end', async () => {
    expect(await records(['\ufeffa,b\r\n1,2\r\n\r\n3,"4"'])).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const text = 'user,item\r\n"u,1","i ""q"""\r\nu2,i2\r\n';
    const whole = await records([text]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(await records([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
    expect(await records(text.split(''))).toEqual(whole);
  });

  it('refuses a file that ends inside a quoted field', async () => {
    await expect(records(['a,b\n"open,1\n'])).rejects.toThrow(/quoted/);
  });

  it('reads gzip files by their magic bytes, whatever the name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recstream-csv-'));
    const rows = Array.from({ length: 5000 }, (_, i) => `u${i % 7},i${i % 13},${1_700_000_000 + i}`);
    const text = `userId,itemId,timestamp\n${rows.join('\n')}`;
    await writeFile(join(dir, 'log.csv.gz'), gzipSync(text));
    await writeFile(join(dir, 'log-gz-without-suffix'), gzipSync(text));
    await writeFile(join(dir, 'log.csv'), text);
    const read = async (name: string) => {
      const out: string[][] = [];
      for await (const r of readCsvFile(join(dir, name))) out.push(r);
      return out;
    };
    const plain = await read('log.csv');
    expect(plain).toHaveLength(5001);
    expect(await read('log.csv.gz')).toEqual(plain);
    expect(await read('log-gz-without-suffix')).toEqual(plain);
    const log = await readInteractionFile(join(dir, 'log.csv.gz'));
    expect(log.interactions).toHaveLength(5000);
    expect(log.interactions[4999]).toMatchObject({
      userId: `u${4999 % 7}`,
      itemId: `i${4999 % 13}`,
      timestamp: (1_700_000_000 + 4999) * 1000,
    });
  });
});

describe('column detection', () => {
  it('finds the documented names case-insensitively', () => {
    expect(detectColumns(['userId', 'itemId', 'timestamp'])).toMatchObject({ user: 0, item: 1, time: 2, rating: null, type: null });
    expect(detectColumns(['USER_ID', 'Movie_Id', 'Rating', 'TS'])).toMatchObject({ user: 0, item: 1, rating: 2, time: 3 });
    expect(detectColumns(['visitorid', 'event', 'productId', 'time'])).toMatchObject({ user: 0, type: 1, item: 2, time: 3 });
    expect(detectColumns(['InvoiceNo', 'StockCode', 'InvoiceDate', 'UnitPrice', 'CustomerID'])).toMatchObject({
      user: 4,
      item: 1,
      time: 2,
      price: 3,
    });
  });

  it('uses forced names over detected ones and names the flag when a forced column is absent', () => {
    const header = ['user', 'buyer', 'item', 'sku', 'time', 'when'];
    expect(detectColumns(header, { user: 'Buyer', item: 'SKU', time: 'when' })).toMatchObject({ user: 1, item: 3, time: 5 });
    expect(() => detectColumns(header, { item: 'product' })).toThrow(/--item-col 'product'/);
  });

  it('says which required column is missing', () => {
    expect(() => detectColumns(['who', 'itemId', 'timestamp'])).toThrow(ColumnError);
    expect(() => detectColumns(['who', 'itemId', 'timestamp'])).toThrow(/user \(--user-col\)/);
  });
});

describe('timestamps', () => {
  const at = Date.UTC(2011, 11, 9, 12, 50, 0);
  it('reads epoch seconds and epoch millis by magnitude', () => {
    expect(parseTimestamp(String(at / 1000))).toBe(at);
    expect(parseTimestamp(String(at))).toBe(at);
    expect(parseTimestamp('978300760')).toBe(978_300_760_000);
    expect(parseTimestamp('1433221332.5')).toBe(1_433_221_332_500);
  });

  it('reads ISO-8601 with a zone, and zone-less date-times as UTC', () => {
    expect(parseTimestamp('2011-12-09T12:50:00Z')).toBe(at);
    expect(parseTimestamp('2011-12-09T14:50:00+02:00')).toBe(at);
    expect(parseTimestamp('2011-12-09T12:50:00.250Z')).toBe(at + 250);
    expect(parseTimestamp('2011-12-09 12:50:00')).toBe(at);
    expect(parseTimestamp('2011-12-09 12:50')).toBe(at);
    expect(parseTimestamp('2011-12-09T12:50:00')).toBe(at);
    expect(parseTimestamp('2011-12-09')).toBe(Date.UTC(2011, 11, 9));
  });

  it('returns null for what is not a time', () => {
    expect(parseTimestamp('')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
  });
});

describe('readInteractions', () => {
  it('maps type values and their aliases, skips and counts bad rows', async () => {
    const text = [
      'user,item,ts,event',
      'u1,i1,1000,view',
      'u1,i2,1001,addtocart',
      'u1,i2,1002,transaction',
      'u2,i3,1003,Add To Cart',
      ',i3,1004,view',
      'u3,,1005,view',
      'u3,i4,soon,view',
      'u3,i4,1006,wishlist',
      'u3,i5,1007,BUY',
      'u3,i6,1008,cart',
      'u3,i7,1009,removefromcart',
    ].join('\n');
    const log = await readInteractionText(text);
    expect(log.interactions.map((i) => i.type)).toEqual([
      'view',
      'add_to_cart',
      'purchase',
      'add_to_cart',
      'purchase',
      'add_to_cart',
      'remove_from_cart',
    ]);
    expect(log.stats).toMatchObject({
      rows: 11,
      kept: 7,
      skippedEmptyUserOrItem: 2,
      skippedBadTimestamp: 1,
      skippedUnknownType: 1,
      unknownTypes: ['wishlist'],
    });
    expect(mapEventType('page view')).toBe('view');
  });

  it('gives every row the default type without a type column, and keeps ratings', async () => {
    const log = await readInteractionText('userId,movieId,rating,timestamp\n1,10,4.5,978300760\n1,11,,978300761\n');
    expect(log.interactions).toEqual([
      { userId: '1', itemId: '10', timestamp: 978_300_760_000, type: 'click', rating: 4.5, price: null, sessionId: null },
      { userId: '1', itemId: '11', timestamp: 978_300_761_000, type: 'click', rating: null, price: null, sessionId: null },
    ]);
    const bought = await readInteractionText('userId,itemId,timestamp\n1,10,5\n', { defaultType: 'purchase' });
    expect(bought.interactions[0].type).toBe('purchase');
  });
});
