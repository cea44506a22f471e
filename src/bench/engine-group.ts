import { loadConfig } from '../config.js';
import { type BenchEngine, scrapedEngine } from './bench-engine.js';
import { childProfile } from './cpu-profile.js';
import { benchEnv } from './engine-app.js';
import { type EngineProcess, spawnEngine, waitReady } from './engine-process.js';
import { BenchTimeout } from './errors.js';
import type { EventTarget } from './event-target.js';
import { heapFlags } from './machine.js';
import { sleep } from './stats.js';

/** The processes of one consumer group, started by the bench. */
export interface EngineGroup {
  /** The first member's embedded registry (the group's) and the group's topics. */
  target: EventTarget;
  /** Every member, the first one first. */
  engines: BenchEngine[];
  stop(): Promise<void>;
}

const SETTLE_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * `processes` engines on Kafka in one consumer group, all with the environment `env`, each its own OS
 * process (`recstream start`), as a deployment runs them: the bench's process holds only the producer
 * and the WebSocket clients, whose work is not the engine's (in one process with them, an engine's
 * latency counted their frames too). The others use the first one's embedded schema registry, so
 * every member decodes what the bench's producer encodes with it. Resolves once every member is ready
 * and the input partitions are split between all of them. With `profileDir`, each member writes its CPU
 * profile there when it stops (`kafka-<processes>p-engine-<n>.cpuprofile`).
 */
export async function startEngineGroup(
  env: Record<string, string>,
  processes: number,
  progress: (line: string) => void,
  profileDir: string | null = null,
): Promise<EngineGroup> {
  const config = loadConfig(benchEnv(env));
  const members: EngineProcess[] = [];
  const profiles: Array<ReturnType<typeof childProfile>> = [];
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((p) => stopProcess(p)));
    await Promise.all(profiles.map((p) => p.keep()));
  };
  try {
    const profile = (n: number) => {
      const p = childProfile(profileDir, `kafka-${processes}p-engine-${n}.cpuprofile`);
      profiles.push(p);
      return p.flags;
    };
    const first = await spawnEngine(childEnv(env), undefined, profile(1));
    members.push(first);
    const registryUrl = `${first.url}/registry`;
    const engines: BenchEngine[] = [scrapedEngine(first.url, config.authSecret)];
    await waitReady(first.url, SETTLE_TIMEOUT_MS);
    const partitions = ((await readyPartitions(first.url)) ?? []).length;
    for (let i = 1; i < processes; i++) {
      const child = await spawnEngine(childEnv({ SCHEMA_REGISTRY_URL: registryUrl, ...env }), undefined, profile(i + 1));
      members.push(child);
      engines.push(scrapedEngine(child.url, config.authSecret));
    }
    if (processes > 1) {
      progress(`kafka: ${processes} processes in group ${env.GROUP_ID}; waiting for them to split the ${partitions} input partitions`);
      await untilSplit(
        engines.map((e) => e.url),
        partitions,
        () => members.map((p) => lastError(p.output()) ?? 'no error logged').join('; '),
      );
    }
    return { target: { registryUrl, topics: config.topics }, engines, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * The environment of a member in its own process: the bench's engine environment, what Node needs to
 * run and the bench's heap sizes (so the engines run as the bench does), none of the bench process's
 * own configuration. Logs at warn, so a member that fails says why.
 */
function childEnv(env: Record<string, string>): Record<string, string> {
  const basics: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) basics[name] = value;
  }
  const flags = heapFlags();
  return { ...basics, ...benchEnv(env), LOG_LEVEL: 'warn', ...(flags.length > 0 ? { NODE_OPTIONS: flags.join(' ') } : {}) };
}

async function readyPartitions(url: string): Promise<string[] | null> {
  try {
    const res = await fetch(`${url}/readyz`);
    const body = (await res.json()) as { partitions?: string[] };
    return res.status === 200 ? (body.partitions ?? []) : null;
  } catch {
    return null;
  }
}

/**
 * Waits until every member is ready and owns some of the `partitions` input partitions, none twice;
 * a timeout names what each one owned and, from `othersErrors`, the other processes' last errors.
 */
async function untilSplit(urls: string[], partitions: number, othersErrors: () => string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const owned = await Promise.all(urls.map(readyPartitions));
    const all = owned.flatMap((p) => p ?? []);
    if (owned.every((p) => p !== null && p.length > 0) && all.length === partitions && new Set(all).size === partitions) return;
    if (Date.now() > deadline) {
      throw new BenchTimeout(
        `the ${urls.length} processes did not split the ${partitions} input partitions within ${SETTLE_TIMEOUT_MS} ms: owned ${JSON.stringify(owned)}; last errors of the other processes: ${othersErrors()}`,
      );
    }
    await sleep(200);
  }
}

/** The message of the last error-level line of a member's JSON log, if any. */
function lastError(output: string): string | null {
  for (const line of output.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 50) return `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 300);
    } catch {
      /* not a log line */
    }
  }
  return null;
}

async function stopProcess(p: EngineProcess): Promise<void> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await p.stop('SIGTERM');
  clearTimeout(timer);
}
