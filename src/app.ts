import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Config, ConfigError } from './config.js';
import { Engine } from './engine/engine.js';
import { isSystemError } from './errors.js';
import { EventSerde } from './events/serde.js';
import { createEventLog, type EventLog } from './log/index.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Recommender } from './model/index.js';
import { attachGateway, type Gateway } from './serve/gateway.js';
import { buildHttpServer } from './serve/http.js';
import { registryFile, registryPlugin, SchemaStore, storeSchemaSource } from './serve/registry/index.js';

export interface AppOptions {
  /** An event log to run on instead of the one the configuration names. */
  log?: EventLog;
  logger?: Logger;
  /** Registers extra routes (the demo storefront) before the server listens. */
  extend?: (http: FastifyInstance, engine: Engine) => Promise<void>;
  /** Resolve only once the consumer groups are joined (default). `recstream start` does not wait. */
  waitForJoin?: boolean;
  /** The engine's wall clock, epoch millis. Default Date.now. */
  clock?: () => number;
}

export interface RunningApp {
  engine: Engine;
  http: FastifyInstance;
  /** The WebSocket gateway on `http`'s server. */
  gateway: Gateway;
  log: EventLog;
  port: number;
  /** Base URL on loopback, e.g. http://127.0.0.1:8080 */
  url: string;
  registryUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts one recstream process: log, HTTP server (API, embedded schema registry, metrics), WebSocket
 * gateway and the engine. The engine's schemas are checked before the server listens: with the
 * embedded registry through its store in-process (so no token travels and nothing waits on HTTP).
 */
export async function startRecstream(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const log = options.log ?? createEventLog(config, logger);
  await log.connect();
  const metrics = new Metrics();
  const engine = new Engine({ config, log, model: new Recommender(config.model), metrics, logger, clock: options.clock });
  metrics.trackReadiness(() => engine.readiness().ready);
  const embeddedRegistry =
    config.schemaRegistryUrl === null
      ? new SchemaStore({
          file: config.dataDir === null ? null : registryFile(config.dataDir),
          limits: config.registry,
          onWrite: (outcome) => metrics.schemaRegistryWritesTotal.inc({ outcome }),
        })
      : null;
  const serde = new EventSerde({
    registry: embeddedRegistry === null ? config.schemaRegistryUrl! : storeSchemaSource(embeddedRegistry),
    auth: config.schemaRegistryAuth,
    maxBytes: config.eventMaxBytes,
    logger,
  });
  try {
    await ensureTopics(log, config, logger);
    await serde.registerAll(config.topics);
  } catch (e) {
    // nothing stays connected behind a refused start
    await log.close();
    throw e;
  }
  const http = buildHttpServer(engine, { logger });
  if (embeddedRegistry !== null) {
    await http.register(registryPlugin, { prefix: '/registry', store: embeddedRegistry, adminToken: config.adminToken });
  }
  if (options.extend) await options.extend(http, engine);
  try {
    await http.listen({ port: config.port, host: config.host });
  } catch (err) {
    await http.close().catch(() => undefined);
    await log.close();
    throw listenRefused(err, config.port, config.host);
  }
  const gateway = attachGateway(http.server, engine);
  const port = (http.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const registryUrl = config.schemaRegistryUrl ?? `${url}/registry`;
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await engine.stop();
      gateway.close();
      await http.close();
      await log.close();
    })();
    return stopped;
  };
  try {
    await engine.start(serde);
  } catch (e) {
    // a start refused (a topic's partitions, say) leaves nothing listening or connected behind it
    await stop();
    throw e;
  }
  if (options.waitForJoin !== false) await engine.whenJoined();
  if (config.authSecret === null) {
    logger.warn('AUTH_SECRET is unset: WebSocket subscriptions are open to anyone; set AUTH_SECRET outside demos');
  }
  logger.info({ url, log: log.kind, registry: registryUrl }, 'recstream started');

  return { engine, http, gateway, log, port, url, registryUrl, stop };
}

/** The topics a process needs, made where missing (and the cluster lets it). */
async function ensureTopics(log: EventLog, config: Config, logger: Logger): Promise<void> {
  const { topics, partitions } = config;
  // internal topics are partitioned as the input topics (as Kafka Streams sizes its repartition
  // topics and state changelogs), whatever count those were created with; the item store as
  // item-deltas, which an older deployment may have created with another count. Asked for at once,
  // so a cluster that cannot create them names every missing one. A topic that exists keeps its
  // count (on Kafka and in the embedded log alike).
  const existingInput = await log.partitionsFor(topics.clicks);
  // PARTITIONS is the embedded log's setting; on Kafka the topics are the operators'
  if (!config.kafka && existingInput > 0 && existingInput !== partitions) {
    logger.warn(
      { topic: topics.clicks, partitions: existingInput, PARTITIONS: partitions },
      `PARTITIONS=${partitions} applies to topics this process creates: ${topics.clicks} has ${existingInput} and keeps them, as every topic partitioned as it does (more partitions would send a user's events, and their state, to another partition); to run with ${partitions}, start on new topics (an empty DATA_DIR)`,
    );
  }
  const inputPartitions = existingInput || partitions;
  const deltaPartitions = (await log.partitionsFor(topics.itemDeltas)) || inputPartitions;
  await log.ensureTopics([
    { topic: topics.clicks, partitions },
    { topic: topics.purchases, partitions },
    { topic: topics.recommendations, partitions },
    { topic: topics.dlq, partitions: 1 },
    { topic: topics.changelog, partitions: 1, compacted: true },
    { topic: topics.itemDeltas, partitions: inputPartitions },
    { topic: topics.itemNeighbors, partitions: inputPartitions, compacted: true },
    { topic: topics.modelParams, partitions: 1, compacted: true },
    { topic: topics.userState, partitions: inputPartitions, compacted: true },
    { topic: topics.itemState, partitions: deltaPartitions, compacted: true },
  ]);
}

/** Why the server could not listen, as the setting to change when the address is the cause. */
function listenRefused(err: unknown, port: number, host: string): unknown {
  if (!isSystemError(err)) return err;
  const fix: Record<string, string> = {
    EADDRINUSE: 'another process listens there: stop it, or set another port, e.g. PORT=8081 (0 picks a free one)',
    EACCES: 'ports below 1024 need privileges this process lacks: set one above, e.g. PORT=8080',
    EADDRNOTAVAIL: 'HOST is not an address of this machine: set one of its addresses, or HOST=0.0.0.0 for all',
  };
  const how = err.code === undefined ? undefined : fix[err.code];
  return how === undefined ? err : new ConfigError([`PORT=${port} on HOST=${host} cannot be listened on (${err.message}); ${how}`]);
}
