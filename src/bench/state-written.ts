import type { BenchEngine } from './bench-engine.js';
import { until } from './stats.js';

/** The engines' STATE_COMMIT_MS when their environment does not set it (the engine's default). */
const DEFAULT_STATE_COMMIT_MS = 5_000;
/** Longest wait: the quiet period, and the commit itself. */
const TIMEOUT_MS = 60_000;

/**
 * Waits until engines in other processes have written the state their last input changed: the
 * bytes they wrote to their state stores (recstream_state_commit_bytes_total) unchanged for longer
 * than STATE_COMMIT_MS, within which an engine whose input went quiet writes what changed. The
 * embedded run asks its engine directly (Engine.stateWritten).
 */
export async function untilStateWritten(engines: readonly BenchEngine[], env: Record<string, string>): Promise<void> {
  const quietMs = Number(env.STATE_COMMIT_MS ?? DEFAULT_STATE_COMMIT_MS) + 1_000;
  let written = -1;
  let since = performance.now();
  await until(
    async () => {
      const now = (await Promise.all(engines.map((e) => e.progress()))).reduce((sum, p) => sum + p.stateBytesWritten, 0);
      if (now !== written) {
        written = now;
        since = performance.now();
        return false;
      }
      return performance.now() - since >= quietMs;
    },
    'the engines to write their state',
    TIMEOUT_MS + quietMs,
    250,
  );
}
