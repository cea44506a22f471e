/**
 * Launches librdkafka's mock Kafka cluster (scripts/mock-kafka.c, built on demand by
 * scripts/build-mock-kafka.sh): the real Kafka wire protocol on loopback, for benchmarks on machines
 * without a broker. Lives under src/ because dist/ cannot import test helpers.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MockKafkaFailed, MockKafkaUnbuilt } from './errors.js';

export interface MockCluster {
  /** Comma-separated host:port list. */
  bootstrap: string;
  brokers: string[];
  /** Sends one launcher command line (e.g. `create TOPIC 4`) and resolves with its answer line. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

export interface MockClusterOptions {
  /** Topics created before the bootstrap line is printed. */
  topics?: Array<{ topic: string; partitions: number }>;
  /** Broker count (ids 1..N). Default 1. */
  brokers?: number;
}

const SCRIPTS_DIR = fileURLToPath(new URL('../../scripts/', import.meta.url));

/** Builds the mock cluster's launcher unless it is built already; MockKafkaUnbuilt names what is missing. */
export async function buildMockCluster(): Promise<void> {
  try {
    await promisify(execFile)('bash', [`${SCRIPTS_DIR}/build-mock-kafka.sh`]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    const firstError = stderr.split('\n').find((line) => line.includes('error')) ?? (stderr.trim() || String(err));
    throw new MockKafkaUnbuilt(firstError.trim());
  }
}

export async function startMockCluster(options: MockClusterOptions = {}): Promise<MockCluster> {
  await buildMockCluster();
  const args = ['--brokers', String(options.brokers ?? 1), ...(options.topics ?? []).map((t) => `${t.topic}:${t.partitions}`)];
  const child = spawn(`${SCRIPTS_DIR}/bin/mock-kafka`, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const answers: Array<(line: string) => void> = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => answers.shift()?.(line));

  const bootstrap = await Promise.race([
    new Promise<string>((resolve) => answers.push(resolve)),
    exited.then((code): never => {
      throw new MockKafkaFailed(code, stderr);
    }),
  ]);

  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    command(line: string): Promise<string> {
      if (stopped) return Promise.reject(new Error('mock-kafka is stopped'));
      return new Promise<string>((resolve) => {
        answers.push(resolve);
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
