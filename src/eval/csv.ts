import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createError } from '../errors.js';

/** A log file that is not well-formed CSV. */
export const CsvMalformed = createError('RS_INPUT_MALFORMED', 'CsvMalformed', (problem: string) => problem);

/**
 * Streaming RFC 4180 CSV: quoted fields with doubled quotes, embedded commas and newlines, CRLF or LF
 * line ends, a UTF-8 BOM. Yields one string array per record; blank lines are skipped.
 */
export async function* parseCsv(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  /** A quote seen inside a quoted field: either the closing quote or the first of a doubled pair. */
  let quotePending = false;
  /** The record ended on CR: an LF right after it (possibly in the next chunk) belongs to it. */
  let afterCr = false;
  let atStart = true;
  const endRow = (): string[] | null => {
    row.push(field);
    const done = row;
    row = [];
    field = '';
    return done.length === 1 && done[0] === '' ? null : done;
  };
  for await (let chunk of chunks) {
    if (atStart && chunk.length > 0) {
      atStart = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (afterCr) {
        afterCr = false;
        if (chunk.charCodeAt(i) === 10) {
          i++;
          continue;
        }
      }
      if (quotePending) {
        quotePending = false;
        if (chunk.charCodeAt(i) === 34) {
          field += '"';
          i++;
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q === -1) {
          field += chunk.slice(i);
          i = n;
        } else {
          field += chunk.slice(i, q);
          quotePending = true;
          i = q + 1;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === 44 /* , */) {
        row.push(field);
        field = '';
        i++;
      } else if (c === 10 /* LF */ || c === 13 /* CR */) {
        const done = endRow();
        if (done !== null) yield done;
        afterCr = c === 13;
        i++;
      } else if (c === 34 /* " */ && field === '') {
        inQuotes = true;
        i++;
      } else {
        let j = i + 1;
        while (j < n) {
          const d = chunk.charCodeAt(j);
          if (d === 44 || d === 10 || d === 13) break;
          j++;
        }
        field += chunk.slice(i, j);
        i = j;
      }
    }
  }
  if (inQuotes && !quotePending) throw new CsvMalformed('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    const done = endRow();
    if (done !== null) yield done;
  }
}

/** A text stream of a file, gunzipped when it is gzip (by magic bytes, whatever its name). */
async function openText(path: string): Promise<Readable> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(path, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    s.on('data', (b: Buffer | string) => parts.push(Buffer.isBuffer(b) ? b : Buffer.from(b)));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const gzipped = head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const stream = gzipped ? raw.pipe(createGunzip()) : raw;
  if (gzipped) raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  return stream;
}

/** Records of a CSV file (plain or gzip). */
export async function* readCsvFile(path: string): AsyncGenerator<string[]> {
  const stream = await openText(path);
  yield* parseCsv(stream as AsyncIterable<string>);
}
