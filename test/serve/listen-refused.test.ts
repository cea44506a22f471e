import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import { startTestApp } from '../helpers/app.js';

let holder: Server | null = null;

afterEach(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = null;
});

describe('a port the server cannot listen on', () => {
  it('stops startup naming PORT and HOST, the cause and the fix, with the log closed', async () => {
    const server = createServer();
    holder = server;
    const port = await new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    const log = new MemoryLog({ partitions: 1 });
    const started = startTestApp({ PORT: String(port) }, { log });
    await expect(started).rejects.toMatchObject({ code: 'RS_CONFIG_INVALID' });
    const message = String(await started.catch((err: Error) => err.message));
    expect(message).toContain(`PORT=${port} on HOST=127.0.0.1 cannot be listened on (listen EADDRINUSE`);
    expect(message).toContain('set another port');
    await expect(log.produce([{ topic: 'clickstream', key: null, value: Buffer.from('x') }])).rejects.toMatchObject({
      code: 'RS_LOG_CLOSED',
    });
  });
});
