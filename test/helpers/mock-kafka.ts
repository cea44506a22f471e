/**
 * Starts librdkafka's mock Kafka cluster (scripts/mock-kafka.c) for a test file: real wire protocol
 * on loopback, topics pre-created, faults injected through `command`.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface MockKafka {
  /** Comma-separated host:port list. */
  bootstrap: string;
  brokers: string[];
  /** Sends one command line (create/down/up/rtt/error/clear/leader) and resolves with the answer line. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

export interface MockKafkaOptions {
  topics?: Array<{ topic: string; partitions: number }>;
  /** Number of brokers (ids 1..N). Default 1. */
  brokers?: number;
}

const scriptsDir = fileURLToPath(new URL('../../scripts/', import.meta.url));
let built: Promise<unknown> | null = null;

function buildLauncher(): Promise<unknown> {
  built ??= promisify(execFile)('bash', [`${scriptsDir}build-mock-kafka.sh`]);
  return built;
}

export async function startMockKafka(options: MockKafkaOptions = {}): Promise<MockKafka> {
  await buildLauncher();
  const args = ['--brokers', String(options.brokers ?? 1), ...(options.topics ?? []).map((t) => `${t.topic}:${t.partitions}`)];
  const child = spawn(`${scriptsDir}bin/mock-kafka`, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const pending: Array<(line: string) => void> = [];
  let first: ((line: string) => void) | null = null;
  lines.on('line', (line) => {
    if (first) {
      const take = first;
      first = null;
      take(line);
    } else {
      pending.shift()?.(line);
    }
  });

  const bootstrap = await Promise.race([
    new Promise<string>((resolve) => {
      first = resolve;
    }),
    exited.then((code) => {
      throw new Error(`mock-kafka exited with ${code} before printing its bootstrap servers: ${stderr}`);
    }),
  ]);

  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    command(line: string): Promise<string> {
      if (stopped) return Promise.reject(new Error('mock-kafka is stopped'));
      return new Promise<string>((resolve) => {
        pending.push(resolve);
        child.stdin.write(`${line.trim()}\n`);
      });
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        if (child.exitCode === null) child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
