import { type EngineProcess, spawnEngine as spawnEngineWith } from '../../src/bench/engine-process.js';

export { type EngineProcess, waitReady } from '../../src/bench/engine-process.js';

/** `recstream start` as its own OS process, from source, on a free port, with this environment and `env`. */
export function spawnEngine(env: Record<string, string>, timeoutMs = 30_000): Promise<EngineProcess> {
  return spawnEngineWith({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, timeoutMs);
}

/**
 * `step`'s result; when it fails, the error carries the end of each process's log (where rebalances,
 * restores and erasures show), its last `lines` lines less kafkajs's request and response lines,
 * which would otherwise fill it.
 */
export async function withLogs<T>(processes: readonly EngineProcess[], step: Promise<T>, lines = 80): Promise<T> {
  try {
    return await step;
  } catch (err) {
    const logs = processes.map((p, i) => {
      const own = p
        .output()
        .split('\n')
        .filter((line) => !/"logger":"kafkajs".*"msg":"(Request|Response) /.test(line));
      return `--- process ${i + 1} of ${processes.length}, its last log lines ---\n${own.slice(-lines).join('\n')}`;
    });
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`, { cause: err });
  }
}

/**
 * Sends SIGTERM and resolves with the exit code; when that is not 0, fails with the end of the
 * process's log, which says why its shutdown did not finish cleanly.
 */
export async function stopCleanly(p: EngineProcess, chars = 6000): Promise<void> {
  const code = await p.stop('SIGTERM');
  if (code !== 0) throw new Error(`the engine exited with ${code} on SIGTERM; its last log lines:\n${p.output().slice(-chars)}`);
}
