import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImportCycles } from '../../scripts/import-cycles.js';

const src = join(import.meta.dirname, '..', '..', 'src');

describe('import structure of src/', () => {
  const cycles = findImportCycles(src);

  it('has no layer that imports a layer importing it back', () => {
    expect(cycles.layers).toEqual([]);
  });

  it('has no files importing each other in a circle', () => {
    expect(cycles.files.map((c) => c.join(' <-> '))).toEqual([]);
  });

  it('sees a cycle when there is one', () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'cyclic');
    expect(findImportCycles(fixture)).toEqual({
      files: [['high/b.ts', 'low/a.ts']],
      layers: ['high/ <-> low/'],
    });
  });
});
