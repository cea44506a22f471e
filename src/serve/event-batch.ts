/**
 * Turns a POST /v1/events body into a list of candidate events. A JSON array, a single JSON object and
 * NDJSON are accepted whatever the declared content type (sendBeacon can only send text/plain), so the
 * format is detected from the content when the type does not say NDJSON.
 */

import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

export interface ParsedBatch {
  /** One entry per event position; `undefined` where an NDJSON line could not be parsed. */
  items: unknown[];
  /** Per-position parse errors (NDJSON lines that are not JSON). */
  lineErrors: Array<{ index: number; error: string }>;
}

export type ParseOutcome = { ok: true; batch: ParsedBatch } | { ok: false; error: string };

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

function isNdjsonType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return NDJSON_TYPES.includes(mediaType);
}

const TOO_DEEP = `nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; events are flat JSON objects`;

function parseNdjson(body: string): ParsedBatch {
  const items: unknown[] = [];
  const lineErrors: ParsedBatch['lineErrors'] = [];
  for (const line of body.split('\n')) {
    const text = line.trim();
    if (text === '') continue;
    if (nestsDeeperThan(text)) {
      lineErrors.push({ index: items.length, error: TOO_DEEP });
      items.push(undefined);
      continue;
    }
    try {
      items.push(JSON.parse(text));
    } catch (err) {
      lineErrors.push({ index: items.length, error: `line is not valid JSON: ${(err as Error).message}` });
      items.push(undefined);
    }
  }
  return { items, lineErrors };
}

function firstLine(body: string): string {
  for (const line of body.split('\n', 64)) if (line.trim() !== '') return line.trim();
  return '';
}

function looksLikeNdjson(body: string): boolean {
  const lines = body.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  try {
    JSON.parse(firstLine(body));
    return true;
  } catch {
    return false;
  }
}

export function parseEventBatch(body: string, contentType: string | undefined): ParseOutcome {
  if (body.trim() === '') return { ok: false, error: 'the body is empty; send a JSON array, a JSON object or NDJSON' };
  if (isNdjsonType(contentType)) return { ok: true, batch: parseNdjson(body) };
  if (nestsDeeperThan(body)) {
    return looksLikeNdjson(body) ? { ok: true, batch: parseNdjson(body) } : { ok: false, error: `the body ${TOO_DEEP}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    if (looksLikeNdjson(body)) return { ok: true, batch: parseNdjson(body) };
    return { ok: false, error: `the body is not valid JSON: ${(err as Error).message}` };
  }
  if (Array.isArray(parsed)) return { ok: true, batch: { items: parsed, lineErrors: [] } };
  if (typeof parsed === 'object' && parsed !== null) return { ok: true, batch: { items: [parsed], lineErrors: [] } };
  return { ok: false, error: 'the body must be a JSON array of events, a single JSON event object or NDJSON' };
}
