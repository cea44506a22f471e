import type { Command, CommandIo } from './commands/command.js';
import { tuneHeap } from './heap-tuning.js';

interface CommandEntry {
  /** One line for `recstream --help`. */
  summary: string;
  /** Loaded on use, so `recstream --help` does not load the engine. */
  load(): Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  start: {
    summary: 'run the engine as configured (embedded log when KAFKA_BROKERS is unset)',
    load: async () => (await import('./commands/start.js')).runStart,
  },
  demo: {
    summary: 'embedded engine + synthetic shoppers + the demo storefront; prints the URLs',
    load: async () => (await import('./commands/demo.js')).runDemo,
  },
  eval: {
    summary: 'prequential evaluation of recstream and baselines on a CSV log (--input FILE.csv)',
    load: async () => (await import('./commands/eval.js')).runEval,
  },
  generate: {
    summary: 'synthetic shoppers as CSV, or live into the input topics (--to-topics)',
    load: async () => (await import('./commands/generate.js')).runGenerate,
  },
  replay: {
    summary: 'produce a CSV log into the input topics, or POST it to a running engine',
    load: async () => (await import('./commands/replay.js')).runReplay,
  },
  bench: {
    summary: 'the performance suite; figures on stdout',
    load: async () => (await import('./commands/bench.js')).runBench,
  },
  token: {
    summary: 'mint a storefront token with AUTH_SECRET (--user ID)',
    load: async () => (await import('./commands/token.js')).runToken,
  },
};

const NAMES = Object.keys(COMMANDS);
const WIDTH = Math.max(...NAMES.map((n) => n.length)) + 3;

const HELP = `recstream — real-time recommendations from a Kafka stream

Usage: recstream <command> [options]

Commands:
${NAMES.map((name) => `  ${name.padEnd(WIDTH)}${COMMANDS[name].summary}`).join('\n')}

Configuration is read from the environment; see README.md ("Configuration").
Run 'recstream <command> --help' for a command's options.
`;

const HELP_WORDS = new Set(['help', '--help', '-h']);

/** Runs a command; resolves to the process exit code. */
export async function main(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [word, ...rest] = argv;
  if (word === undefined || HELP_WORDS.has(word)) {
    // `recstream help eval` is `recstream eval --help`
    if (word === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
    io.stdout.write(HELP);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, word)) {
    io.stderr.write(`recstream: unknown command '${word}'; the commands are ${NAMES.join(', ')}\n\n${HELP}`);
    return 2;
  }
  tuneHeap();
  const command = await COMMANDS[word].load();
  return command(rest, io);
}
