import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchLoadFailed } from './errors.js';
import type { PushLoadOptions, PushLoadResult } from './push-load.js';

/** A push-load run whose events are posted to the first engine's collector. */
export interface CollectorLoad {
  engines: Array<{ url: string; authSecret: string | null }>;
  options: Omit<PushLoadOptions, 'send' | 'flushed' | 'progress'>;
}

export type LoadMessage = { progress: string } | { result: PushLoadResult } | { failure: string };

// From source (vitest, tsx) the child runs the same source through tsx; built, the built file.
const CHILD = fileURLToPath(new URL(`./push-load-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
const CHILD_EXEC_ARGV = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];

/**
 * Runs the clients and the website's posts in a process of their own, as storefronts and sites are:
 * in the engine's process, reading 2,000 clients' frames took a third of its event loop, and every
 * event's latency included them.
 */
export function runPushLoadInChild(load: CollectorLoad, progress: (line: string) => void = () => undefined): Promise<PushLoadResult> {
  const child = fork(CHILD, [], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-3000);
  });
  return new Promise<PushLoadResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (message: LoadMessage) => {
      if ('progress' in message) progress(message.progress);
      else {
        settled = true;
        child.kill();
        if ('result' in message) resolve(message.result);
        else reject(new BenchLoadFailed(message.failure));
      }
    });
    child.once('exit', (code) => {
      if (!settled) reject(new BenchLoadFailed(`the load process exited with ${code}: ${stderr}`));
    });
    child.send(load);
  });
}
