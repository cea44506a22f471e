import { fileURLToPath } from 'node:url';
import { type RunningApp, startRecstream } from './app.js';
import { loadConfig } from './config.js';
import { createShopperSimulation, type ShopperSimulation } from './eval/generate.js';
import { collectorJson } from './events/collector-json.js';
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
  const config = loadConfig({
    ...env,
    ...(options.port !== undefined ? { PORT: String(options.port) } : {}),
    ...(options.host ? { HOST: options.host } : {}),
  });
  const logger = options.logger ?? createLogger(config.logLevel);
  const simulation = createShopperSimulation({
    seed: options.seed ?? 7,
    users: 300,
    items: 240,
    categories: 8,
    idPrefix: `demo${Date.now().toString(36)}`,
  });
  const secret = config.authSecret;
  const app = await startRecstream(config, {
    logger,
    extend: async (http) => {
      await http.register(demoPlugin, {
        webDir: WEB_DIR,
        catalog: simulation.catalog,
        shoppers: simulation.shoppers.slice(0, 12).map((s) => ({ userId: s.userId, name: s.name, description: s.description })),
        mintToken:
          secret === null
            ? undefined
            : (userId: string) => mintToken(secret, userId, Math.min(TOKEN_TTL_SECONDS, config.tokenMaxTtlSeconds)),
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
    batch.push(collectorJson(event));
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
      const events = Array.from({ length: n }, () => collectorJson(simulation.next(Date.now())));
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
