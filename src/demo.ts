import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRecstream, type RunningApp } from './app.js';
import type { CommandIo } from './cli.js';
import { loadConfig } from './config.js';
import { waitForShutdown } from './commands/start.js';
import { createShopperSimulation, type ShopperSimulation } from './eval/generate.js';
import { createLogger, type Logger } from './logger.js';
import { demoPlugin } from './serve/demo.js';
import { mintToken } from './serve/tokens.js';

export interface DemoOptions {
  port?: number;
  host?: string;
  /** Live synthetic shoppers' events per second (0 = none; the page's visitor is the only one). */
  shoppersPerSecond?: number;
  /** Events of history learned before the demo opens, so lists make sense from the first click. */
  warmupEvents?: number;
  seed?: number;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

export interface RunningDemo {
  app: RunningApp;
  simulation: ShopperSimulation;
  url: string;
  stop(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));
const DAY = 86_400_000;
const TOKEN_TTL_SECONDS = 3600;

/** The embedded engine, a shop of synthetic shoppers learning live, and the demo storefront. */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const env = options.env ?? process.env;
  const config = loadConfig({ ...env, ...(options.port !== undefined ? { PORT: String(options.port) } : {}), ...(options.host ? { HOST: options.host } : {}) });
  const logger = options.logger ?? createLogger(config.logLevel);
  const simulation = createShopperSimulation({
    seed: options.seed ?? 7, users: 300, items: 240, categories: 8, idPrefix: `demo${Date.now().toString(36)}`,
  });
  const secret = config.authSecret;
  const app = await startRecstream(config, {
    logger,
    extend: async (http) => {
      await http.register(demoPlugin, {
        webDir: WEB_DIR,
        catalog: simulation.catalog,
        shoppers: simulation.shoppers.slice(0, 12).map((s) => ({ userId: s.userId, name: s.name, description: s.description })),
        mintToken: secret === null ? undefined : (userId: string) => mintToken(secret, userId, Math.min(TOKEN_TTL_SECONDS, config.tokenMaxTtlSeconds)),
        writeKey: config.writeKeys[0] ?? null,
      });
    },
  });

  // A week of history, so the first visitor sees learned lists rather than a cold start.
  const warmup = options.warmupEvents ?? 15_000;
  const now = Date.now();
  const batch: unknown[] = [];
  for (let i = 0; i < warmup; i++) {
    const event = simulation.next(now - 7 * DAY + Math.round((i / warmup) * (7 * DAY - 60_000)));
    batch.push(toJson(event));
    if (batch.length === 1000 || i === warmup - 1) {
      await app.engine.ingest(batch.splice(0));
    }
  }

  const rate = options.shoppersPerSecond ?? 20;
  let ticker: NodeJS.Timeout | null = null;
  if (rate > 0) {
    let carry = 0;
    ticker = setInterval(() => {
      carry += rate / 10;
      const n = Math.floor(carry);
      carry -= n;
      if (n === 0) return;
      const events = Array.from({ length: n }, () => toJson(simulation.next(Date.now())));
      app.engine.ingest(events).catch((err: unknown) => logger.warn({ err }, 'demo shoppers could not send events'));
    }, 100);
    ticker.unref();
  }
  return {
    app,
    simulation,
    url: app.url,
    async stop() {
      if (ticker) clearInterval(ticker);
      await app.stop();
    },
  };
}

/** Events as a website sends them to the collector. */
function toJson(event: ReturnType<ShopperSimulation['next']>): Record<string, unknown> {
  const { kind, ...rest } = event;
  return kind === 'purchase' ? { ...rest, type: 'purchase' } : rest;
}

/** `recstream demo [--port N] [--rate N]` */
export async function runDemo(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      rate: { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write('recstream demo [--port N] [--rate EVENTS_PER_SECOND]\n  embedded engine + synthetic shoppers + the demo storefront\n');
    return 0;
  }
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) {
    io.stderr.write(`recstream demo: --rate must be a number ≥ 0 (events per second), got ${values.rate}\n`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    io.stderr.write(`recstream demo: --port must be a TCP port, got ${values.port}\n`);
    return 2;
  }
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const demo = await startDemo({ port, shoppersPerSecond: rate, logger });
  const base = demo.url.replace('127.0.0.1', 'localhost');
  io.stdout.write([
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
  ].join('\n'));
  return waitForShutdown(logger, () => demo.stop());
}
