import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImportCycles } from '../../scripts/import-cycles.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/**
 * File cycles tolerated for now, as scripts/import-cycles.ts prints them (files sorted) without
 * the "file cycle: " prefix. The one in model/ is being taken apart by the model's own change;
 * empty this list then, and the test is strict.
 */
const ALLOWED_FILE_CYCLES: readonly string[] = [
  'model/digest.ts <-> model/recommender.ts <-> model/snapshot.ts',
];

describe('import structure of src/', () => {
  const cycles = findImportCycles(src);

  it('has no layer that imports a layer importing it back', () => {
    expect(cycles.layers).toEqual([]);
  });

  it('has no file cycle beyond the allowed ones', () => {
    const found = cycles.files.map((c) => c.join(' <-> '));
    expect(found.filter((c) => !ALLOWED_FILE_CYCLES.includes(c))).toEqual([]);
  });

  it('sees a cycle when there is one', () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'cyclic');
    expect(findImportCycles(fixture)).toEqual({
      files: [['high/b.ts', 'low/a.ts']],
      layers: ['high/ <-> low/'],
    });
  });
});
