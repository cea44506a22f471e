// Import cycles in a TypeScript source tree: between files (static imports and re-exports, type-only
// included) and between top-level folders or files (layers). Exit 1 when any exists.
// Usage: npx tsx scripts/import-cycles.ts [src]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ImportCycles {
  /** Each a strongly connected set of files, relative to the root and sorted, e.g. ["model/a.ts", "model/b.ts"]. */
  files: string[][];
  /** Pairs of layers that import each other, e.g. "engine/ <-> serve/". */
  layers: string[];
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function target(from: string, specifier: string): string | null {
  const file = resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
  if (existsSync(file)) return file;
  const index = join(file.replace(/\.ts$/, ''), 'index.ts');
  return existsSync(index) ? index : null;
}

/** Tarjan's strongly connected components; components of more than one file are cycles. */
function fileCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

export function findImportCycles(rootDir: string): ImportCycles {
  const root = resolve(rootDir);
  const graph = new Map(
    sources(root).map((file) => [
      file,
      [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => target(file, m[1])).filter((t): t is string => t !== null),
    ]),
  );
  const layerOf = (file: string): string => {
    const parts = relative(root, file).split(sep);
    return parts.length > 1 ? `${parts[0]}/` : parts[0];
  };
  const layerImports = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    for (const imported of imports) {
      const [a, b] = [layerOf(file), layerOf(imported)];
      if (a === b) continue;
      if (!layerImports.has(a)) layerImports.set(a, new Set());
      layerImports.get(a)!.add(b);
    }
  }
  const layers: string[] = [];
  for (const [a, bs] of layerImports) for (const b of bs) if (a < b && layerImports.get(b)?.has(a)) layers.push(`${a} <-> ${b}`);
  const files = fileCycles(graph).map((c) => c.map((f) => relative(root, f).split(sep).join('/')).sort());
  return { files: files.sort((x, y) => x[0].localeCompare(y[0])), layers: layers.sort() };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, layers } = findImportCycles(process.argv[2] ?? 'src');
  for (const c of files) console.log(`file cycle: ${c.join(' <-> ')}`);
  for (const l of layers) console.log(`layer cycle: ${l}`);
  if (files.length === 0 && layers.length === 0) console.log('no import cycles');
  process.exitCode = files.length > 0 || layers.length > 0 ? 1 : 0;
}
