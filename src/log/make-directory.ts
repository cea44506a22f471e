import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isSystemError } from '../errors.js';

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `mkdir -p`, a level at a time. Node's recursive `mkdirSync` never returns where making a child
 * answers ENOENT though its parent exists (procfs: `DATA_DIR=/proc/x` hung the start); here that
 * ENOENT is thrown, as any other refusal is (ENOTDIR under a file, EEXIST for a file in the way).
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let at = resolve(path);
  for (; !exists(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  // a file where the directory should be: mkdir says so (EEXIST)
  if (missing.length === 0 && !statSync(at).isDirectory()) mkdirSync(at);
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      // made meanwhile by another hand: what was wanted
      if (!(isSystemError(err) && err.code === 'EEXIST' && statSync(dir).isDirectory())) throw err;
    }
  }
}
