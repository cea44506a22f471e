import { ConfigError, loadConfig } from './config.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const HELP = `recstream — real-time recommendations from a Kafka stream

Usage: recstream <command> [options]

Commands:
  start       run the engine as configured (embedded log when KAFKA_BROKERS is unset)
  demo        embedded engine + synthetic shoppers + the demo storefront; prints the URLs
  eval        prequential evaluation of recstream and baselines on a CSV log
              --input FILE.csv[.gz] [--k 10] [--min-rating R] [--json]
              [--user-col C] [--item-col C] [--time-col C] [--rating-col C] [--type-col C]
  generate    synthetic shoppers as CSV, or live into the input topics
              [--users N] [--events N] [--seed S] [--output FILE.csv] [--rate N --to-topics]
  replay      produce a CSV log into the input topics
              --input FILE.csv [--rate N] (Kafka when KAFKA_BROKERS is set, else POST to --url)
  bench       the performance suite; writes figures to stdout  [--quick] [--json]
  token       mint a storefront token with AUTH_SECRET  --user ID [--ttl SECONDS]

Configuration is read from the environment; see README.md ("Configuration").
Run 'recstream <command> --help' for a command's options.
`;

/** Runs a command; resolves to the process exit code. */
export async function main(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const { runStart } = await import('./commands/start.js');
        return await runStart(loadConfig(), io);
      }
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo(rest, io);
      }
      case 'eval': {
        const { runEval } = await import('./eval/commands.js');
        return await runEval(rest, io);
      }
      case 'generate': {
        const { runGenerate } = await import('./eval/commands.js');
        return await runGenerate(rest, io);
      }
      case 'replay': {
        const { runReplay } = await import('./commands/replay.js');
        return await runReplay(rest, io);
      }
      case 'bench': {
        const { runBench } = await import('./bench/commands.js');
        return await runBench(rest, io);
      }
      case 'token': {
        const { runToken } = await import('./serve/tokens.js');
        return await runToken(rest, { ...io, env: process.env });
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return 0;
      default:
        io.stderr.write(`recstream: unknown command '${command}'\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`recstream: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
