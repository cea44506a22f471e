import { startRecstream } from '../app.js';
import type { CommandIo } from '../cli.js';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';

/** Shutdown must finish the batch in hand, commit and leave the group within this budget. */
const SHUTDOWN_BUDGET_MS = 10_000;

/** `recstream start`: runs until SIGTERM or SIGINT, then stops cleanly and exits 0. */
export async function runStart(config: Config, io: CommandIo): Promise<number> {
  const logger = createLogger(config.logLevel);
  const app = await startRecstream(config, { logger, waitForJoin: false });
  io.stderr.write(`recstream listening on ${app.url} (${app.log.kind} log)\n`);
  return waitForShutdown(logger, () => app.stop());
}

export function waitForShutdown(logger: ReturnType<typeof createLogger>, stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error('shutdown took longer than 10 s; exiting');
        resolve(1);
      }, SHUTDOWN_BUDGET_MS);
      timer.unref();
      stop().then(
        () => { clearTimeout(timer); logger.info('stopped cleanly'); logger.flush(); resolve(0); },
        (err: unknown) => { clearTimeout(timer); logger.error({ err }, 'shutdown failed'); logger.flush(); resolve(1); },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
