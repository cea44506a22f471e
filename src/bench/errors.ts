/** The benchmark suite's members of the error family (src/errors.ts). */
import { createError } from '../errors.js';

/** A measured run did not finish in its time budget: the machine is too busy, or the engine stalled. */
export const BenchTimeout = createError('RS_BENCH_TIMEOUT', 'BenchTimeout', (what: string) => `bench: ${what}`);

/** The engine under measurement refused or dropped events it should have taken. */
export const BenchCollectorRefused = createError(
  'RS_BENCH_COLLECTOR_REFUSED',
  'BenchCollectorRefused',
  (status: number, answer: string) => `bench: the collector answered ${status} ${answer}`,
);

/** librdkafka's mock cluster could not be built: the machine lacks gcc or librdkafka's headers. */
export const MockKafkaUnbuilt = createError(
  'RS_MOCK_KAFKA_UNBUILT',
  'MockKafkaUnbuilt',
  (detail: string) =>
    "bench: the Kafka part runs on librdkafka's mock cluster, which could not be built (scripts/build-mock-kafka.sh needs gcc and " +
    `librdkafka-dev: apt-get install gcc librdkafka-dev; or set KAFKA_BROKERS to a cluster to measure on): ${detail}`,
);

/** librdkafka's mock cluster did not start (scripts/build-mock-kafka.sh needs librdkafka-dev and gcc). */
export const MockKafkaFailed = createError(
  'RS_MOCK_KAFKA_FAILED',
  'MockKafkaFailed',
  (exitCode: number | null, stderr: string) => `mock-kafka exited with ${exitCode} before printing its bootstrap servers: ${stderr}`,
);

/** An engine process the bench (or a process test) started exited before it listened. */
export const EngineProcessExited = createError(
  'RS_BENCH_ENGINE_EXITED',
  'EngineProcessExited',
  (exitCode: number | null, stderr: string) => `the engine process exited with ${exitCode} before listening:\n${stderr}`,
);

/** An engine process under measurement did not answer its metrics scrape. */
export const BenchScrapeFailed = createError(
  'RS_BENCH_SCRAPE_FAILED',
  'BenchScrapeFailed',
  (url: string, status: number) => `bench: GET ${url}/metrics answered ${status}`,
);

/** The process that runs a push load's clients failed or exited before it reported. */
export const BenchLoadFailed = createError(
  'RS_BENCH_LOAD_FAILED',
  'BenchLoadFailed',
  (detail: string) => `bench: the push load failed: ${detail}`,
);
