import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { FULL_SIZES, QUICK_SIZES } from './sizes.js';
import { runSuite } from './suite.js';

export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: Record<string, string | undefined>;
}

const HELP = `recstream bench [--quick] [--json]

Measures, in one run on this machine: learn-only and whole-engine throughput on the embedded log,
the engine on Kafka against a raw kafkajs consumer of the same messages, event → WebSocket push
latency at a fixed rate (embedded and Kafka), a WebSocket load test and memory per user and item.
Kafka is librdkafka's mock cluster unless KAFKA_BROKERS names a cluster.

  --quick   small sizes (CI, well under a minute)
  --json    one JSON object on stdout; progress on stderr
`;

/** `recstream bench`: resolves to the exit code. */
export async function runBench(argv: string[], io: BenchIo): Promise<number> {
  let values: { quick?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    io.stderr.write(`recstream bench: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(HELP);
    return 0;
  }
  const env = io.env ?? process.env;
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  const quick = values.quick === true;
  const started = performance.now();
  const report = await runSuite({
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    quick,
    kafkaBrokers: brokers.length > 0 ? brokers : null,
    progress: (line) => io.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
  });
  io.stdout.write(values.json === true ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}
