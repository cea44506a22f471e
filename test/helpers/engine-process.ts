import { type EngineProcess, spawnEngine as spawnEngineWith } from '../../src/bench/engine-process.js';

export { type EngineProcess, waitReady } from '../../src/bench/engine-process.js';

/** `recstream start` as its own OS process, from source, on a free port, with this environment and `env`. */
export function spawnEngine(env: Record<string, string>, timeoutMs = 30_000): Promise<EngineProcess> {
  return spawnEngineWith({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, timeoutMs);
}
