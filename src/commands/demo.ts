import { startDemo } from '../demo.js';
import { createLogger } from '../logger.js';
import { commandEnv, defineCommand } from './command.js';
import { nonNegativeNumber, tcpPort } from './flag-values.js';
import { waitForShutdown } from './shutdown.js';

const USAGE = `Usage: recstream demo [--port N] [--rate EVENTS_PER_SECOND]

The embedded engine, synthetic shoppers learning live and the demo storefront; prints the URLs.
  --port N     HTTP port (default PORT, 8080; 0 picks a free one)
  --rate N     synthetic shoppers' events per second (default 20; 0 = only the page's visitor)
Never expose it: its storefront mints a token for any user.
`;

/** `recstream demo`: runs until SIGTERM or SIGINT. */
export const runDemo = defineCommand({
  name: 'demo',
  usage: USAGE,
  options: {
    port: { type: 'string' },
    rate: { type: 'string' },
  },
  async run(flags, io) {
    const rate = nonNegativeNumber('--rate', flags.rate, 20);
    const port = tcpPort('--port', flags.port);
    const env = commandEnv(io);
    const logger = createLogger(env.LOG_LEVEL ?? 'warn');
    const demo = await startDemo({ port, shoppersPerSecond: rate, logger, env });
    const base = demo.url.replace('127.0.0.1', 'localhost');
    io.stdout.write(
      [
        '',
        'recstream demo is running (embedded log, no Kafka needed)',
        `  storefront        ${base}/`,
        `  live stream       ws://${base.slice('http://'.length)}/v1/stream`,
        `  collector         POST ${base}/v1/events`,
        `  recommendations   ${base}/v1/users/${demo.simulation.shoppers[0].userId}/recommendations`,
        `  similar items     ${base}/v1/items/${demo.simulation.catalog[0].itemId}/similar`,
        `  metrics           ${base}/metrics`,
        `  health            ${base}/healthz  ${base}/readyz`,
        `  schema registry   ${base}/registry/subjects`,
        `  synthetic shoppers: ${rate} events/s.  Ctrl-C stops.`,
        '',
      ].join('\n'),
    );
    return waitForShutdown(logger, () => demo.stop());
  },
});
