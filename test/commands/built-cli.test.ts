import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** `node bin/recstream.js ...argv` as its own process: exit code, stdout, stderr. */
async function installed(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // the timeout stops a command that started a server instead of answering
  return run(process.execPath, ['bin/recstream.js', ...argv], { env: { PATH: process.env.PATH }, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('the built recstream binary', () => {
  beforeAll(async () => {
    await run('npm', ['run', 'build']);
  }, 180_000);

  it('--help lists every command and exits 0', async () => {
    const help = await installed('--help');
    expect(help.code).toBe(0);
    for (const name of ['start', 'demo', 'eval', 'generate', 'replay', 'bench', 'token']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(help.stderr).toBe('');
  });

  it('a command --help exits 0 without starting anything', async () => {
    const help = await installed('start', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: recstream start/);
    expect(help.stderr).toBe('');
  });

  it('an unknown command exits 2 naming the known ones', async () => {
    const unknown = await installed('strat');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'strat'; the commands are start, demo, eval, generate, replay, bench, token/);
    expect(unknown.stdout).toBe('');
  });

  it('a usage error exits 2 with the message on stderr and stdout left empty', async () => {
    const wrong = await installed('token', '--user');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^recstream token: .*'--user/);
    expect(wrong.stdout).toBe('');
  });
});
