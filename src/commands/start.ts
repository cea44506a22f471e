import { startRecstream } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { commandEnv, defineCommand } from './command.js';
import { waitForShutdown } from './shutdown.js';

const USAGE = `Usage: recstream start

Runs the engine as the environment configures it (README.md, "Configuration"): on Kafka when
KAFKA_BROKERS is set, else on the embedded log. Serves HTTP and WebSocket on PORT. SIGTERM or SIGINT
finishes the batch in hand, commits and stops; the exit code is 0 when that went cleanly.
`;

/** `recstream start`: runs until SIGTERM or SIGINT, then stops cleanly and exits 0. */
export const runStart = defineCommand({
  name: 'start',
  usage: USAGE,
  options: {},
  async run(_flags, io) {
    const config = loadConfig(commandEnv(io));
    const logger = createLogger(config.logLevel);
    const app = await startRecstream(config, { logger, waitForJoin: false });
    io.stderr.write(`recstream listening on ${app.url} (${app.log.kind} log)\n`);
    return waitForShutdown(logger, () => app.stop());
  },
});
