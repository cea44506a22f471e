import path from 'node:path';
import { formatReport } from '../bench/report.js';
import { FULL_SIZES, QUICK_SIZES } from '../bench/sizes.js';
import { runSuite } from '../bench/suite.js';
import { makeDirectory } from '../log/make-directory.js';
import { commandEnv, defineCommand, UsageError } from './command.js';

const USAGE = `Usage: recstream bench [--quick] [--json] [--profile DIR]

Measures, in one run on this machine: learn-only and whole-engine throughput on the embedded log
(full size: 200,000 events of a shop of 100,000 users and 20,000 items, Zipf popularity; again with
a data directory, with its push latency and bytes on disk), the engine
on Kafka with 1 and with 2 processes in one consumer group (the second one a separate
\`recstream start\`) against a raw kafkajs consumer of the same messages, event → WebSocket push
latency at 2,000 events/s with 2,000 subscribed clients (embedded, and on Kafka with 1 and 2
processes, the outside producer lingering 5 ms), a WebSocket load test, memory per user (20-item
history) and per item (50 neighbours, 200 counters) as V8 holds it, typed arrays included, with the
heap of 1M users and 50k items extrapolated from two sizes, and the state stores: bytes written per
event and the time a restart on the same DATA_DIR takes to restore them. Kafka is librdkafka's mock
cluster unless KAFKA_BROKERS names a cluster; the mock is built first and needs gcc and librdkafka-dev
(the README's test command installs them). A full run takes several minutes.

  --quick   small sizes (CI, well under a minute)
  --json    one JSON object on stdout; progress on stderr
  --profile DIR
            CPU profiles of the engine into DIR (made if missing), to open in Chrome DevTools or
            VS Code: embedded-push.cpuprofile (the embedded engine during its push run) and
            kafka-<N>p-engine-<n>.cpuprofile (each engine process on Kafka, its whole life).
            Profiling costs the engine time: its run's figures are not comparable with others'
`;

/** The directory of `--profile`, made if missing; a usage error when it cannot be. */
function profileDirectory(given: string): string {
  if (given === '') throw new UsageError('--profile needs a directory');
  const dir = path.resolve(given);
  try {
    makeDirectory(dir);
  } catch (err) {
    throw new UsageError(`--profile ${given}: cannot make the directory (${err instanceof Error ? err.message : String(err)})`);
  }
  return dir;
}

/** `recstream bench`: resolves to the exit code. */
export const runBench = defineCommand({
  name: 'bench',
  usage: USAGE,
  options: {
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    profile: { type: 'string' },
  },
  async run(flags, io) {
    const brokers = (commandEnv(io).KAFKA_BROKERS ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0);
    const quick = flags.quick === true;
    const profileDir = typeof flags.profile === 'string' ? profileDirectory(flags.profile) : null;
    const started = performance.now();
    const report = await runSuite({
      sizes: quick ? QUICK_SIZES : FULL_SIZES,
      quick,
      kafkaBrokers: brokers.length > 0 ? brokers : null,
      profileDir,
      progress: (line) => io.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
    });
    io.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : formatReport(report));
    return 0;
  },
});
