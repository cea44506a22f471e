import { randomUUID } from 'node:crypto';
import type { RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { partitionForKey } from '../../src/log/partitioner.js';
import { startTestApp, waitFor } from './app.js';
import { processView } from './process-view.js';

/** A second engine in `app`'s group, on its log; resolves once the two hold input partitions each. */
export async function startPeer(app: RunningApp): Promise<RunningApp> {
  const peer = await startTestApp({}, { log: processView(app.log).log });
  await waitFor(
    () => [app, peer].map((a) => a.engine.readiness().partitions?.length ?? 0),
    ([mine, theirs]) => mine > 0 && theirs > 0,
  );
  return peer;
}

/** A new user id whose input partition `app` holds (test apps have the default partition count). */
export function userOf(app: RunningApp, prefix: string): string {
  const held = new Set((app.engine.readiness().partitions ?? []).map((tp) => Number(/(\d+)$/.exec(tp)?.[1])));
  const partitions = loadConfig({}).partitions;
  for (;;) {
    const userId = `${prefix}-${randomUUID()}`;
    if (held.has(partitionForKey(userId, partitions))) return userId;
  }
}
