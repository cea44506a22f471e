import type { Logger } from '../logger.js';

/** Shutdown must finish the batch in hand, commit and leave the group within this budget. */
const SHUTDOWN_BUDGET_MS = 10_000;

/** Resolves to the exit code once SIGTERM or SIGINT has stopped the service: 0 when cleanly. */
export function waitForShutdown(logger: Logger, stop: () => Promise<void>): Promise<number> {
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
        () => {
          clearTimeout(timer);
          logger.info('stopped cleanly');
          logger.flush();
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          logger.error({ err }, 'shutdown failed');
          logger.flush();
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
