import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { runReplay } from '../../src/commands/replay.js';
import { startTestApp, tempDir, waitFor } from '../helpers/app.js';

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      (w as unknown as { text: string }).text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('recstream replay', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('sends a CSV log in timestamp order to a running engine, purchases as orders', async () => {
    const file = join(tempDir(), 'log.csv');
    writeFileSync(
      file,
      [
        'user_id,item_id,time,event',
        'a,i1,2024-05-01 10:00:02,view',
        'a,i2,2024-05-01 10:00:01,view',
        'b,i1,2024-05-01 10:00:03,addtocart',
        'b,i3,2024-05-01 10:00:04,transaction',
        ',i9,2024-05-01 10:00:05,view',
      ].join('\n'),
    );
    const out = sink();
    const err = sink();
    expect(await runReplay(['--input', file, '--url', app.url], { stdout: out, stderr: err })).toBe(0);
    expect(err.text).toMatch(/sent 4 events/);
    const digest = await waitFor(
      () => app.engine.digest(),
      (d) => d.eventsApplied >= 4,
    );
    expect(digest).toMatchObject({ users: 2, eventsApplied: 4 });
    const rec = app.engine.recommendationsFor('b');
    expect(rec.items.map((i) => i.itemId)).not.toContain('i3');
  });

  it('waits and sends the same batch again when the collector sheds load (503 with Retry-After)', async () => {
    // A front that answers the first POST as a shedding engine would, then passes requests through.
    let shed = 1;
    const front: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (shed-- > 0) {
          res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"shedding"}');
          return;
        }
        void fetch(`${app.url}${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        }).then(async (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
        });
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const file = join(tempDir(), 'shed.csv');
      writeFileSync(
        file,
        ['user_id,item_id,time,event', 'shed-u,s1,2024-05-02 10:00:00,view', 'shed-u,s2,2024-05-02 10:00:01,view'].join('\n'),
      );
      const before = app.engine.digest().eventsApplied;
      const err = sink();
      const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
      expect(await runReplay(['--input', file, '--url', url], { stdout: sink(), stderr: err })).toBe(0);
      expect(shed).toBeLessThan(0);
      const digest = await waitFor(
        () => app.engine.digest(),
        (d) => d.eventsApplied >= before + 2,
      );
      expect(digest.eventsApplied).toBe(before + 2);
    } finally {
      front.close();
    }
  });

  it('names the flag when arguments are wrong', async () => {
    const err = sink();
    expect(await runReplay(['--rate', 'fast', '--input', 'x.csv'], { stdout: sink(), stderr: err })).toBe(2);
    expect(err.text).toMatch(/--rate/);
  });
});
