import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runEval } from '../../src/commands/eval.js';
import { runGenerate } from '../../src/commands/generate.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  return { io: { stdout, stderr }, out: () => Buffer.concat(out).toString('utf8'), err: () => Buffer.concat(err).toString('utf8') };
}

describe('recstream generate and eval', () => {
  it('generates a CSV and evaluates it, printing the documented JSON shape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recstream-eval-'));
    const file = join(dir, 'shoppers.csv');
    const gen = capture();
    expect(await runGenerate(['--users', '80', '--events', '3000', '--seed', '5', '--output', file], gen.io)).toBe(0);
    const text = await readFile(file, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('userId,itemId,timestamp,type,price,sessionId');
    expect(gen.out()).toBe('');

    const run = capture();
    expect(await runEval(['--input', file, '--k', '5', '--json'], run.io)).toBe(0);
    const report = JSON.parse(run.out()) as Record<string, unknown> & {
      recstream: { recall: number; ndcg: number };
      baselines: Record<'popularity' | 'itemKnn', { recall: number; ndcg: number }>;
      model: { users: number } | null;
    };
    expect(report.events).toBe(lines.length - 1);
    expect(report.k).toBe(5);
    expect(report.evaluated).toBeGreaterThan(0);
    expect(report.evaluated).toBeLessThan(report.events as number);
    expect(report.eventsPerSecond).toBeGreaterThan(0);
    for (const figures of [report.recstream, report.baselines.popularity, report.baselines.itemKnn]) {
      expect(figures.recall).toBeGreaterThanOrEqual(0);
      expect(figures.recall).toBeLessThanOrEqual(1);
      expect(figures.ndcg).toBeGreaterThanOrEqual(0);
      expect(figures.ndcg).toBeLessThanOrEqual(figures.recall);
    }
    // the planted clusters are learnable: the co-occurrence methods beat global popularity
    expect(report.baselines.itemKnn.recall).toBeGreaterThan(report.baselines.popularity.recall);
    expect(report.model?.users).toBeGreaterThan(0);
    expect(run.err()).toMatch(/rows/);

    const table = capture();
    expect(await runEval(['--input', file, '--limit', '500'], table.io)).toBe(0);
    expect(table.out()).toMatch(/recall@10/);
    expect(table.out()).toMatch(/itemKnn/);
  });

  it('writes the same CSV to stdout for the same seed', async () => {
    const a = capture();
    const b = capture();
    expect(await runGenerate(['--users', '20', '--events', '200', '--seed', 'x'], a.io)).toBe(0);
    expect(await runGenerate(['--users', '20', '--events', '200', '--seed', 'x'], b.io)).toBe(0);
    expect(a.out()).toBe(b.out());
    expect(a.out().split('\n').length).toBeGreaterThan(200);
  });

  it('answers bad arguments with a message naming the flag and exit code 2', async () => {
    const cases: Array<[(argv: string[], io: ReturnType<typeof capture>['io']) => Promise<number>, string[], RegExp]> = [
      [runEval, [], /--input/],
      [runEval, ['--input', '/nonexistent/log.csv'], /--input/],
      [runEval, ['--input', 'package.json', '--k', 'ten'], /--k/],
      [runEval, ['--input', 'package.json', '--min-rating', 'high'], /--min-rating/],
      [runEval, ['--input', 'package.json', '--bogus'], /bogus/],
      [runGenerate, ['--users', '0'], /--users/],
      [runGenerate, ['--events', '-5'], /--events/],
      [runGenerate, ['--output', '/nonexistent/dir/out.csv'], /--output/],
    ];
    for (const [command, argv, message] of cases) {
      const c = capture();
      expect(await command(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err()).toMatch(message);
    }
  });

  it('names the missing column and the flag to force it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recstream-eval-'));
    const file = join(dir, 'odd.csv');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, 'who,what,when\na,b,1\n');
    const c = capture();
    expect(await runEval(['--input', file], c.io)).toBe(2);
    expect(c.err()).toMatch(/--user-col/);
    const forced = capture();
    expect(await runEval(['--input', file, '--user-col', 'who', '--item-col', 'what', '--time-col', 'when', '--json'], forced.io)).toBe(0);
    expect(JSON.parse(forced.out())).toMatchObject({ events: 1, evaluated: 0 });
  });
});
