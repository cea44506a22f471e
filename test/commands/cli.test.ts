import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { tempDir } from '../helpers/app.js';
import { captureIo } from '../helpers/command-io.js';

const COMMANDS = ['start', 'demo', 'eval', 'generate', 'replay', 'bench', 'token'];

/** Runs `recstream ...argv` in-process with an empty environment. */
async function recstream(...argv: string[]) {
  const c = captureIo({});
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('recstream command line', () => {
  it('--help lists every command on one line each and exits 0', async () => {
    for (const help of ['--help', '-h', 'help']) {
      const run = await recstream(help);
      expect(run.code).toBe(0);
      for (const name of COMMANDS) expect(run.out).toMatch(new RegExp(`^  ${name} +\\S.*$`, 'm'));
      expect(run.err).toBe('');
    }
  });

  it.each(COMMANDS)('%s --help prints its usage on stdout and exits 0', async (name) => {
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
    ]) {
      const run = await recstream(...argv);
      expect(run.code, argv.join(' ')).toBe(0);
      expect(run.out).toMatch(new RegExp(`^Usage: recstream ${name}`));
      expect(run.err).toBe('');
    }
  });

  it.each(COMMANDS)('%s refuses an unknown flag or a stray argument with exit 2, naming it, then its usage', async (name) => {
    for (const wrong of ['--no-such-flag', 'stray']) {
      const run = await recstream(name, wrong);
      expect(run.code, wrong).toBe(2);
      expect(run.err).toMatch(new RegExp(`^recstream ${name}: .*'${wrong}'`));
      expect(run.err).toContain(`\n\nUsage: recstream ${name}`);
      expect(run.out).toBe('');
    }
  });

  it.each([
    ['eval', '--k'],
    ['generate', '--users'],
    ['replay', '--rate'],
    ['demo', '--port'],
    ['token', '--ttl'],
  ])('%s %s without a value exits 2 naming the flag', async (name, flag) => {
    const run = await recstream(name, flag);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(new RegExp(`^recstream ${name}: .*'${flag}`));
    expect(run.err).toContain(`Usage: recstream ${name}`);
  });

  it.each([
    ['eval', ['--input', 'package.json', '--k', 'ten'], "--k must be a positive integer, got 'ten'"],
    ['eval', ['--input', 'package.json', '--min-rating', 'high'], "--min-rating must be a number, got 'high'"],
    ['generate', ['--users', '0'], "--users must be a positive integer, got '0'"],
    ['generate', ['--to-topics', '--rate', 'fast'], "--rate must be a number ≥ 0, got 'fast'"],
    ['replay', ['--input', 'package.json', '--rate', 'fast'], "--rate must be a number ≥ 0, got 'fast'"],
    ['demo', ['--port', '70000'], "--port must be a TCP port (0-65535), got '70000'"],
    ['demo', ['--rate=-1'], "--rate must be a number ≥ 0, got '-1'"],
    ['token', ['--user', 'u1', '--ttl', '1.5'], "--ttl must be a positive integer, got '1.5'"],
  ] as const)('%s %j: a bad value exits 2 naming the flag and the value, with code RS_USAGE', async (name, argv, message) => {
    const run = await recstream(name, ...argv);
    expect(run.code).toBe(2);
    expect(run.err).toBe(
      `recstream ${name}: ${message}\nrecstream ${name}: error code RS_USAGE\n\n${(await recstream(name, '--help')).out}`,
    );
  });

  it('names an --input that cannot be read, for eval and replay alike', async () => {
    for (const name of ['eval', 'replay']) {
      const run = await recstream(name, '--input', '/nonexistent/log.csv');
      expect(run.code, name).toBe(2);
      expect(run.err).toMatch(
        new RegExp(
          `^recstream ${name}: --input '/nonexistent/log.csv' cannot be read\nrecstream ${name}: error code RS_INPUT_UNREADABLE\n`,
        ),
      );
    }
  });

  it('a log without the needed columns exits 2 with RS_INPUT_COLUMNS and the usage; a broken CSV exits 1 with RS_INPUT_MALFORMED naming the file', async () => {
    const dir = tempDir();
    const noUser = join(dir, 'no-user.csv');
    writeFileSync(noUser, 'who,itemId,timestamp\na,i1,1700000000\n');
    const columns = await recstream('eval', '--input', noUser);
    expect(columns.code).toBe(2);
    expect(columns.err).toMatch(
      /\nrecstream eval: cannot find the user \(--user-col\) column.*\nrecstream eval: error code RS_INPUT_COLUMNS\n\nUsage: recstream eval/,
    );

    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'userId,itemId,timestamp\na,"i1,1700000000\n');
    const malformed = await recstream('eval', '--input', broken);
    expect(malformed.code).toBe(1);
    expect(malformed.err).toContain(
      `recstream eval: ${broken}: CSV ends inside a quoted field\nrecstream eval: error code RS_INPUT_MALFORMED\n`,
    );
    expect(malformed.err).not.toContain('Usage:');
  });

  it('replay to an address where no engine answers exits 1 with RS_COLLECTOR_UNREACHABLE, without a stack', async () => {
    const file = join(tempDir(), 'log.csv');
    writeFileSync(file, 'userId,itemId,timestamp\na,i1,1700000000\n');
    const run = await recstream('replay', '--input', file, '--url', 'http://127.0.0.1:1');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /\nrecstream replay: cannot reach http:\/\/127\.0\.0\.1:1\/v1\/events \(.*\): is recstream running there\?.*\nrecstream replay: error code RS_COLLECTOR_UNREACHABLE\n$/,
    );
    expect(run.err).not.toMatch(/\n\s+at /);
  });

  it('an unknown command exits 2 naming the known ones', async () => {
    const run = await recstream('serve');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/unknown command 'serve'/);
    expect(run.err.split('\n')[0]).toContain(COMMANDS.join(', '));
    expect(run.out).toBe('');
    expect((await recstream('help', 'serve')).code).toBe(2);
  });

  it('a bad configuration exits 2 naming the variable, without the usage', async () => {
    const c = captureIo({ AUTH_SECRET: 'long-enough-secret-0123456789', TOKEN_MAX_TTL_SECONDS: 'forever' });
    expect(await main(['token', '--user', 'u1'], c.io)).toBe(2);
    expect(c.err()).toMatch(
      /^recstream token: invalid configuration:\n {2}- TOKEN_MAX_TTL_SECONDS.*\nrecstream token: error code RS_CONFIG_INVALID\n$/,
    );
    expect(c.err()).not.toContain('Usage:');
    expect(c.out()).toBe('');
  });
});
