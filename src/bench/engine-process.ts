/**
 * `recstream start` as its own OS process: the second engine of a consumer group in `recstream
 * bench`, and every engine the process tests start (test/helpers/engine-process.ts). Lives under src/
 * because dist/ cannot import test helpers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchTimeout, EngineProcessExited } from './errors.js';
import { sleep } from './stats.js';

export interface EngineProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its logs). */
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Run from source (vitest, tsx), the child runs the same source through tsx, so no test and no bench
// from source ever starts a stale dist/; built, it runs the built CLI.
const START_ARGS = import.meta.url.endsWith('.ts')
  ? ['--import', 'tsx', 'test/helpers/run-cli.ts', 'start']
  : ['bin/recstream.js', 'start'];

/**
 * Starts `recstream start` with exactly `env` as its environment (nothing of this process's is added)
 * and resolves once it is listening; PORT=0 is fine, the address is read from its first line.
 * `nodeFlags` go to Node itself, before the CLI's arguments.
 */
export async function spawnEngine(
  env: Record<string, string | undefined>,
  timeoutMs = 30_000,
  nodeFlags: readonly string[] = [],
): Promise<EngineProcess> {
  const child = spawn(process.execPath, [...nodeFlags, ...START_ARGS], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BenchTimeout(`the engine process did not listen within ${timeoutMs} ms:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /recstream listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new EngineProcessExited(code, stderr.slice(-3000)));
    });
  });
  return {
    url,
    child,
    output: () => stderr,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resolves once `GET /readyz` answers 200 (assigned and caught up). */
export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new BenchTimeout(`${url} was not ready within ${timeoutMs} ms`);
    await sleep(100);
  }
}
