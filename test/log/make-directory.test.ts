import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/log/make-directory.js';

describe('makeDirectory', () => {
  const dirs: string[] = [];
  const temp = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'recstream-mkdir-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('makes every missing level, and leaves one that exists as it is', () => {
    const root = temp();
    const deep = join(root, 'a', 'b', 'c');
    makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    writeFileSync(join(deep, 'kept'), 'x');
    makeDirectory(deep);
    makeDirectory(join(root, 'a'));
    expect(existsSync(join(deep, 'kept'))).toBe(true);
  });

  it('throws the system error when a file stands where a level should be', () => {
    const root = temp();
    writeFileSync(join(root, 'file'), 'x');
    expect(() => makeDirectory(join(root, 'file', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirectory(join(root, 'file'))).toThrow(expect.objectContaining({ code: 'EEXIST', path: join(root, 'file') }));
  });

  it('throws where making a level answers ENOENT under a parent that exists (procfs), where recursive mkdirSync never returns', () => {
    expect(() => makeDirectory('/proc/recstream-test/data')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
