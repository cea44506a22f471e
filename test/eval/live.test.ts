import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGenerate } from '../../src/commands/generate.js';
import { type EngineProcess, spawnEngine, waitReady } from '../helpers/engine-process.js';

describe('recstream generate --to-topics', () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await spawnEngine({ WRITE_KEYS: '', ADMIN_TOKEN: '', AUTH_SECRET: '' });
    await waitReady(engine.url);
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
  });

  it('sends live synthetic shoppers to a running engine, which learns every one of them', async () => {
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (b: Buffer) => (log += b.toString()));
    const io = { stdout: new PassThrough(), stderr };
    const env = process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_BROKERS;
    try {
      expect(
        await runGenerate(['--to-topics', '--url', engine.url, '--events', '300', '--users', '30', '--rate', '0', '--seed', '4'], io),
      ).toBe(0);
    } finally {
      if (env !== undefined) process.env.KAFKA_BROKERS = env;
    }
    expect(log).toMatch(/sent 300 events/);
    const deadline = Date.now() + 20_000;
    let digest = { users: 0, eventsApplied: 0 };
    while (Date.now() < deadline) {
      digest = (await (await fetch(`${engine.url}/v1/admin/digest`)).json()) as typeof digest;
      if (digest.eventsApplied >= 300) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(digest.eventsApplied).toBe(300);
    expect(digest.users).toBeGreaterThan(1);
    expect(digest.users).toBeLessThanOrEqual(30);
  }, 60_000);

  it('refuses live-only flags without --to-topics', async () => {
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (b: Buffer) => (log += b.toString()));
    expect(await runGenerate(['--rate', '5'], { stdout: new PassThrough(), stderr })).toBe(2);
    expect(log).toMatch(/--rate/);
  });
});
