import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineProcess, spawnEngine } from '../helpers/engine-process.js';
import { TestClient } from '../serve/ws-client.js';

const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function event(extra: string): string {
  return `{"eventId":"deep-${Math.random()}","userId":"u1","itemId":"i1","type":"view","timestamp":${Date.now()},"extra":${extra}}`;
}

/** The engine in its own OS process: a crash or a logged stack must not be hidden by the test runner. */
describe('deeply nested JSON from clients', () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await spawnEngine({ LOG_LEVEL: 'info' });
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
  });

  const post = async (body: string, contentType = 'application/json') => {
    const res = await fetch(`${engine.url}/v1/events`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return {
      status: res.status,
      body: (await res.json()) as { error?: string; accepted?: number; rejected?: Array<{ index: number; error: string }> },
    };
  };

  it('answers 400 with a clear message to batches nested thousands of levels deep', async () => {
    for (const body of [
      deepArrays(5_000),
      deepObjects(5_000),
      deepArrays(200_000),
      `[${event(deepArrays(5_000))}]`,
      `[${deepObjects(10_000)}]`,
    ]) {
      const res = await post(body);
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(res.body.error).toMatch(/nests arrays or objects more than 64 levels deep/);
    }
  });

  it('rejects only the deep line of an NDJSON batch', async () => {
    const res = await post(`${event('1')}\n${event(deepArrays(5_000))}\n${event('{"ok":[1,2]}')}\n`, 'application/x-ndjson');
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toEqual([{ index: 1, error: expect.stringContaining('levels deep') }]);
  });

  it('answers a deep WebSocket frame with a bad-request error frame and keeps the connection', async () => {
    const client = await TestClient.connect(`${engine.url.replace(/^http/, 'ws')}/v1/stream`);
    for (const frame of [`{"op":${deepArrays(5_000)}}`, `{"op":"subscribe","userId":"u1","token":${deepObjects(2_000)}}`]) {
      client.send(frame);
      expect(await client.next((f) => f.op === 'error')).toMatchObject({
        code: 'bad-request',
        message: expect.stringContaining('levels deep'),
      });
    }
    expect(await client.subscribe('u1')).toMatchObject({ op: 'recommendations', userId: 'u1' });
    client.close();
  });

  it('stays up and logs no error or stack trace for any of it', async () => {
    expect(engine.child.exitCode).toBeNull();
    expect((await fetch(`${engine.url}/healthz`)).status).toBe(200);
    const lines = engine
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const errors = lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    expect(engine.output()).not.toMatch(/Maximum call stack|RangeError|"stack"/);
  });
});
