import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppOptions, type RunningApp, startRecstream } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';

/** A real recstream process in this test process: embedded log unless env names brokers, port 0. */
export async function startTestApp(env: Record<string, string> = {}, options: AppOptions = {}): Promise<RunningApp> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  return startRecstream(config, { logger: silentLogger(), ...options });
}

export function tempDir(prefix = 'recstream-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls until the check passes or the deadline passes; returns the last value. */
export async function waitFor<T>(check: () => T | Promise<T>, accept: (v: T) => boolean, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, everyMs));
    value = await check();
  }
  return value;
}

export async function postEvents(
  app: RunningApp,
  events: unknown[],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { accepted: number; rejected: Array<{ index: number; error: string }> } }> {
  const res = await fetch(`${app.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: (await res.json()) as never };
}
