import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('machineInfo', () => {
  it('names the heap sizes node was started with, from its flags and from NODE_OPTIONS, and nothing else', () => {
    const script = "import('./src/bench/machine.ts').then((m) => console.log(JSON.stringify(m.machineInfo().heapFlags)))";
    const run = (args: string[], nodeOptions: string) =>
      spawnSync(process.execPath, [...args, '--import', 'tsx', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: nodeOptions },
      });
    const flagged = run(['--max-semi-space-size=32', '--no-warnings'], '--max-old-space-size=512');
    expect(flagged.status, flagged.stderr).toBe(0);
    expect(JSON.parse(flagged.stdout)).toEqual(['--max-semi-space-size=32', '--max-old-space-size=512']);
    const plain = run([], '');
    expect(JSON.parse(plain.stdout)).toEqual([]);
  });
});
