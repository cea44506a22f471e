import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  type BasicAuth,
  type Env,
  explicitBool,
  type KafkaSasl,
  type KafkaTls,
  readKafkaSecurity,
  readRegistryAuth,
} from './config-security.js';
import { RecstreamError } from './errors.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from './model/types.js';

export type { BasicAuth, KafkaSasl, KafkaTls } from './config-security.js';

/** Thrown when the environment cannot make a valid configuration; the message names each variable. */
export class ConfigError extends RecstreamError {
  static readonly code = 'RS_CONFIG_INVALID';

  constructor(readonly problems: string[]) {
    super(ConfigError.code, `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * How much the embedded registry (src/serve/registry) holds; registrations beyond these are refused
 * with 422. Defined here rather than beside the registry so the configuration never imports serve/.
 */
export interface RegistryLimits {
  /** Largest schema text, in UTF-8 bytes. */
  maxSchemaBytes: number;
  /** Distinct schemas (ids). Ids are never freed: data written with them may still exist. */
  maxSchemas: number;
  /** Subjects, including those that only carry a compatibility level. */
  maxSubjects: number;
  /** Versions one subject may hold; transitive compatibility checks read all of them. */
  maxVersionsPerSubject: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  maxSchemaBytes: 262_144,
  maxSchemas: 1000,
  maxSubjects: 1000,
  maxVersionsPerSubject: 100,
};

/** Consumer-group timing, in ms: the KAFKA_* variables' defaults, and a KafkaLog's when built without them. */
export const DEFAULT_KAFKA_TIMING = {
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  heartbeatIntervalMs: 3_000,
  maxWaitMs: 100,
  commitIntervalMs: 100,
} as const;

/**
 * Per partition of the embedded log (LOG_RETENTION_BYTES, LOG_RETENTION_MS), and a MemoryLog's when
 * built without them: 256 MiB and 7 days, Kafka's log.retention.hours default. null is no limit.
 */
export const DEFAULT_LOG_RETENTION = { bytes: 268_435_456, ms: 604_800_000 } as const;

/** The least budgets accepted (besides -1): a smaller one would delete what the engine replays on restart before it could. */
const LEAST_LOG_RETENTION = { bytes: 1_048_576, ms: 60_000 } as const;

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

interface NumberRule {
  min?: number;
  max?: number;
  int?: boolean;
}

/**
 * EVENT_MAX_FUTURE_SECONDS default. Synchronised clocks differ by seconds; a device that missed a
 * daylight-saving change is an hour off, one with a wrong time zone under a "correct" local time
 * whole hours, one with a dead battery years (beyond any tolerance). One hour keeps the first two
 * and bounds what a producer lying about time gains: every clock of the engine stays within an hour
 * of the wall clock, so trending (half-life 24 h) weighs a future-stamped event at most
 * 2^(1/24) ≈ 1.03 times a current one, and idle expiry fires at most an hour early. Kafka 4.0 brokers
 * refuse record CreateTime more than an hour ahead of their clock by default
 * (log.message.timestamp.after.max.ms, KIP-1030).
 */
const DEFAULT_EVENT_MAX_FUTURE_SECONDS = 3600;

/** Every variable: its default, its type and the hint printed when it is wrong. */
const NUMBER_VARS = {
  PORT: { def: 8080, rule: { min: 0, max: 65535, int: true }, hint: 'a TCP port, e.g. PORT=8080 (0 picks a free port)' },
  MODEL_MERGE_MS: {
    def: 5_000,
    rule: { min: 100, max: 3_600_000, int: true },
    hint: 'how often the processes of a group publish and merge their ranker and regression weights, e.g. MODEL_MERGE_MS=5000',
  },
  NEIGHBOR_PUBLISH_MS: {
    def: 250,
    rule: { min: 10, max: 60_000, int: true },
    hint: 'how often an item owner publishes the changed neighbour rows to the global table, e.g. NEIGHBOR_PUBLISH_MS=250',
  },
  ITEM_DELTAS_FORMAT: {
    def: 3,
    rule: { min: 2, max: 3, int: true },
    hint: 'the item-deltas record version this process writes: 3, or 2 while other processes of the group still run a version that reads only 2 (roll every process with ITEM_DELTAS_FORMAT=2, then without it), e.g. ITEM_DELTAS_FORMAT=3',
  },
  STATE_COMMIT_MS: {
    def: 5_000,
    rule: { min: 100, max: 600_000, int: true },
    hint: 'how often each process writes the users and items that changed to its state stores (a restart replays only the input after), e.g. STATE_COMMIT_MS=5000',
  },
  PARTITIONS: { def: 4, rule: { min: 1, max: 1024, int: true }, hint: 'partitions of the embedded input topics, e.g. PARTITIONS=4' },
  MAX_BODY_BYTES: {
    def: 1_048_576,
    rule: { min: 1024, int: true },
    hint: 'largest POST /v1/events body in bytes, e.g. MAX_BODY_BYTES=1048576',
  },
  MAX_BATCH_EVENTS: { def: 1000, rule: { min: 1, int: true }, hint: 'most events in one POST /v1/events, e.g. MAX_BATCH_EVENTS=1000' },
  RATE_LIMIT_PER_MINUTE: {
    def: 6000,
    rule: { min: 0, int: true },
    hint: 'POST /v1/events requests per client address (and write key) per minute (0 = unlimited)',
  },
  HTTP_REQUEST_TIMEOUT_MS: {
    def: 30_000,
    rule: { min: 100, int: true },
    hint: 'longest time a client may take to send a whole HTTP request (headers and body) in ms, e.g. 30000',
  },
  HTTP_HEADERS_TIMEOUT_MS: {
    def: 10_000,
    rule: { min: 100, int: true },
    hint: 'longest time a client may take to send the HTTP request headers in ms, e.g. 10000',
  },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: {
    def: 72_000,
    rule: { min: 100, int: true },
    hint: "how long an idle keep-alive connection stays open in ms; above the load balancer's idle timeout, e.g. 72000",
  },
  HTTP_MAX_CONNECTIONS_PER_IP: {
    def: 128,
    rule: { min: 0, int: true },
    hint: 'open TCP connections (HTTP and WebSocket) one socket address may hold, e.g. 128 (0 = unlimited, the default when TRUST_PROXY is set: behind a proxy every client shares its address)',
  },
  TOKEN_MAX_TTL_SECONDS: {
    def: 604_800,
    rule: { min: 1, int: true },
    hint: 'longest lifetime of a storefront token in seconds, e.g. TOKEN_MAX_TTL_SECONDS=604800 (7 days)',
  },
  RECOMMENDATION_LIMIT: { def: 10, rule: { min: 1, max: 200, int: true }, hint: 'items per pushed recommendation list, 1..200' },
  WS_MAX_SUBSCRIPTIONS: {
    def: 20,
    rule: { min: 1, int: true },
    hint: 'subscriptions one WebSocket may hold, e.g. WS_MAX_SUBSCRIPTIONS=20',
  },
  WS_MAX_FRAME_BYTES: { def: 16_384, rule: { min: 256, int: true }, hint: 'largest inbound WebSocket frame in bytes' },
  WS_PING_INTERVAL_MS: {
    def: 30_000,
    rule: { min: 100, int: true },
    hint: 'WebSocket ping interval in ms; a client silent for two intervals is dropped',
  },
  LOG_RETENTION_BYTES: {
    def: DEFAULT_LOG_RETENTION.bytes,
    rule: { min: -1, int: true },
    hint: `bytes the embedded log keeps per partition before it deletes the oldest segments, at least ${LEAST_LOG_RETENTION.bytes} (1 MiB), or -1 for no limit, e.g. LOG_RETENTION_BYTES=${DEFAULT_LOG_RETENTION.bytes} (256 MiB)`,
  },
  LOG_RETENTION_MS: {
    def: DEFAULT_LOG_RETENTION.ms,
    rule: { min: -1, int: true },
    hint: `how long the embedded log keeps records in ms, at least ${LEAST_LOG_RETENTION.ms}, or -1 for no limit, e.g. LOG_RETENTION_MS=${DEFAULT_LOG_RETENTION.ms} (7 days)`,
  },
  READY_MAX_LAG: { def: 10_000, rule: { min: 0, int: true }, hint: 'consumer lag (messages) above which /readyz answers 503' },
  INGEST_MAX_LAG: {
    def: 20_000,
    rule: { min: 0, int: true },
    hint: 'input events waiting to be learnt above which POST /v1/events answers 503, e.g. INGEST_MAX_LAG=20000 (0 = never)',
  },
  HEAP_SHED_RATIO: {
    def: 0.85,
    rule: { min: 0.01, max: 1 },
    hint: 'share of the V8 heap limit in use above which POST /v1/events answers 503, e.g. HEAP_SHED_RATIO=0.85 (1 = never)',
  },
  KAFKA_SESSION_TIMEOUT_MS: {
    def: DEFAULT_KAFKA_TIMING.sessionTimeoutMs,
    rule: { min: 1000, int: true },
    hint: 'consumer-group session timeout in ms, e.g. 30000',
  },
  KAFKA_REBALANCE_TIMEOUT_MS: {
    def: DEFAULT_KAFKA_TIMING.rebalanceTimeoutMs,
    rule: { min: 1000, int: true },
    hint: 'how long a rebalance waits for members to rejoin, in ms, e.g. 60000',
  },
  KAFKA_HEARTBEAT_INTERVAL_MS: {
    def: DEFAULT_KAFKA_TIMING.heartbeatIntervalMs,
    rule: { min: 100, int: true },
    hint: 'consumer heartbeat interval in ms (about a third of the session timeout)',
  },
  KAFKA_MAX_WAIT_MS: {
    def: DEFAULT_KAFKA_TIMING.maxWaitMs,
    rule: { min: 10, max: 10_000, int: true },
    hint: 'longest a fetch waits for new records in ms; lower means fresher lists, e.g. 100',
  },
  KAFKA_COMMIT_INTERVAL_MS: {
    def: DEFAULT_KAFKA_TIMING.commitIntervalMs,
    rule: { min: 0, max: 60_000, int: true },
    hint: 'how often consumed offsets are committed in ms (0: after every batch); a restart handles up to this much input again, e.g. 100',
  },
  REGISTRY_MAX_SCHEMA_BYTES: {
    def: DEFAULT_REGISTRY_LIMITS.maxSchemaBytes,
    rule: { min: 4096, int: true },
    hint: 'largest schema the embedded registry accepts, in bytes, e.g. REGISTRY_MAX_SCHEMA_BYTES=262144',
  },
  REGISTRY_MAX_SCHEMAS: {
    def: DEFAULT_REGISTRY_LIMITS.maxSchemas,
    rule: { min: 3, int: true },
    hint: 'distinct schemas the embedded registry holds (ids are never freed; the engine needs 3), e.g. REGISTRY_MAX_SCHEMAS=1000',
  },
  REGISTRY_MAX_SUBJECTS: {
    def: DEFAULT_REGISTRY_LIMITS.maxSubjects,
    rule: { min: 3, int: true },
    hint: 'subjects the embedded registry holds (the engine needs 3), e.g. REGISTRY_MAX_SUBJECTS=1000',
  },
  REGISTRY_MAX_VERSIONS_PER_SUBJECT: {
    def: DEFAULT_REGISTRY_LIMITS.maxVersionsPerSubject,
    rule: { min: 1, int: true },
    hint: 'versions one subject of the embedded registry may hold, e.g. REGISTRY_MAX_VERSIONS_PER_SUBJECT=100',
  },
  EVENT_MAX_BYTES: {
    def: 65_536,
    rule: { min: 256, int: true },
    hint: 'largest accepted event in bytes; larger ones go to the dead-letter topic',
  },
  EVENT_MAX_FUTURE_SECONDS: {
    def: DEFAULT_EVENT_MAX_FUTURE_SECONDS,
    rule: { min: 0, max: 7 * 86_400, int: true },
    hint: "how far ahead of the engine's clock an event time may be, in seconds, at most 604800 (a week); later ones go to the dead-letter topic, e.g. EVENT_MAX_FUTURE_SECONDS=3600",
  },
  MODEL_HISTORY_LENGTH: {
    def: DEFAULT_MODEL_CONFIG.historyLength,
    rule: { min: 0, int: true },
    hint: 'recent items kept per user (0 = unbounded)',
  },
  MODEL_NEIGHBORS: { def: DEFAULT_MODEL_CONFIG.neighbors, rule: { min: 1, int: true }, hint: 'neighbours kept per item' },
  MODEL_MAX_COUNTERS_PER_ITEM: {
    def: DEFAULT_MODEL_CONFIG.maxCountersPerItem,
    rule: { min: 0, int: true },
    hint: 'co-occurrence counters per item (0 = unbounded)',
  },
  MODEL_HALF_LIFE_HOURS: {
    def: DEFAULT_MODEL_CONFIG.halfLifeHours,
    rule: { min: 0 },
    hint: 'half-life of learned weights in hours (0 = no decay)',
  },
  MODEL_TRENDING_HALF_LIFE_HOURS: {
    def: DEFAULT_MODEL_CONFIG.trendingHalfLifeHours,
    rule: { min: 0 },
    hint: 'half-life of trending counts in hours',
  },
  MODEL_USER_IDLE_DAYS: {
    def: DEFAULT_MODEL_CONFIG.userIdleDays,
    rule: { min: 0 },
    hint: 'days after which an idle user is forgotten (0 = never)',
  },
  MODEL_ITEM_IDLE_DAYS: {
    def: DEFAULT_MODEL_CONFIG.itemIdleDays,
    rule: { min: 0 },
    hint: 'days after which an item nobody interacted with is forgotten (0 = never)',
  },
  MODEL_MAX_USERS: {
    def: DEFAULT_MODEL_CONFIG.maxUsers,
    rule: { min: 0, int: true },
    hint: `users held at once, the least recently active forgotten beyond it, e.g. MODEL_MAX_USERS=${DEFAULT_MODEL_CONFIG.maxUsers} (0 = unbounded: memory then grows with every new user id)`,
  },
  MODEL_MAX_ITEMS: {
    def: DEFAULT_MODEL_CONFIG.maxItems,
    rule: { min: 0, int: true },
    hint: `items held at once, the least recently active forgotten beyond it, e.g. MODEL_MAX_ITEMS=${DEFAULT_MODEL_CONFIG.maxItems} (0 = unbounded: memory then grows with every new item id)`,
  },
  MODEL_SHRINKAGE: { def: DEFAULT_MODEL_CONFIG.shrinkage, rule: { min: 0 }, hint: 'similarity shrinkage for rare pairs, e.g. 5' },
  MODEL_RANKER_BROWSE_EVERY: {
    def: DEFAULT_MODEL_CONFIG.rankerBrowseEvery,
    rule: { min: 1, int: true },
    hint: 'browsing events (view, click, remove_from_cart) that train the ranker: one in N, by event id (add-to-cart and purchases always do), e.g. MODEL_RANKER_BROWSE_EVERY=2 (1 = every event)',
  },
  MODEL_RLS_FORGETTING: { def: DEFAULT_MODEL_CONFIG.rlsForgetting, rule: { min: 0.5, max: 1 }, hint: 'RLS forgetting factor in [0.5, 1]' },
  MODEL_MIN_SUPPORT_USERS: {
    def: DEFAULT_MODEL_CONFIG.minSupportUsers,
    rule: { min: 1, max: 100, int: true },
    hint: 'distinct users (1..100) an item pair or followed-by transition needs before it is recommended or shown (1 = no threshold), e.g. MODEL_MIN_SUPPORT_USERS=2',
  },
} satisfies Record<string, { def: number; rule: NumberRule; hint: string }>;

type NumberVar = keyof typeof NUMBER_VARS;

export interface Topics {
  clicks: string;
  purchases: string;
  recommendations: string;
  dlq: string;
  changelog: string;
  /** Internal repartition topic: item increments keyed by item (GROUP_ID-prefixed by default). */
  itemDeltas: string;
  /** Internal compacted topic: every item's published neighbour row, the global table. */
  itemNeighbors: string;
  /** Internal compacted topic: each process's ranker and regression weights, merged across the group. */
  modelParams: string;
  /** Internal compacted topic: the user-side state store's changelog (one record per user, by input partition). */
  userState: string;
  /** Internal compacted topic: the item-side state store's changelog (one record per item, by item-deltas partition). */
  itemState: string;
}

export interface Config {
  port: number;
  host: string;
  kafka: {
    brokers: string[];
    clientId: string;
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    heartbeatIntervalMs: number;
    maxWaitMs: number;
    /** Consumed offsets are committed at most this often (0: after every batch). */
    commitIntervalMs: number;
    /** TLS to the brokers (KAFKA_SSL*), null for plaintext. */
    tls: KafkaTls | null;
    /** SASL authentication (KAFKA_SASL*), null for none. */
    sasl: KafkaSasl | null;
    /** SASL without TLS, set only when KAFKA_SSL=false asked for it. */
    saslInPlaintext: boolean;
  } | null;
  groupId: string;
  schemaRegistryUrl: string | null;
  /** Basic auth for the external registry at schemaRegistryUrl. */
  schemaRegistryAuth: BasicAuth | null;
  /** Limits of the embedded registry (when schemaRegistryUrl is null). */
  registry: RegistryLimits;
  topics: Topics;
  partitions: number;
  /** How often changed neighbour rows go to the global table (per item at most once per interval). */
  neighborPublishMs: number;
  /** How often ranker and regression weights are published and merged across the group. */
  modelMergeMs: number;
  /** How often changed users and items are written to the state stores. */
  stateCommitMs: number;
  /** The item-deltas record version written: 2 only during a rolling upgrade from a version that reads no later one. */
  itemDeltasFormat: 2 | 3;
  authSecret: string | null;
  /** A secret being rotated out: tokens it signed are still accepted; new tokens use authSecret. */
  authSecretPrevious: string | null;
  writeKeys: string[];
  adminToken: string | null;
  /** HMAC key user ids are replaced with pseudonyms under before anything is stored; null keeps them as sent. */
  pseudonymizeKey: string | null;
  dataDir: string | null;
  /** Embedded log, per partition: bytes and ms kept (null = no limit); compacted topics are compacted instead. */
  logRetention: { bytes: number | null; ms: number | null };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  corsOrigins: string[];
  maxBodyBytes: number;
  maxBatchEvents: number;
  rateLimitPerMinute: number;
  /**
   * Which proxies' X-Forwarded-For is believed for the client address (Fastify's trustProxy): false,
   * true (any), a hop count, or proxy addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number; maxConnectionsPerIp: number };
  tokenMaxTtlSeconds: number;
  recommendationLimit: number;
  /** Lists leave out items the user already interacted with (not only purchased ones). */
  excludeSeen: boolean;
  eventMaxBytes: number;
  /** How far ahead of the wall clock an event time may be, and so any clock of the engine. */
  eventMaxFutureMs: number;
  ws: { maxSubscriptions: number; maxFrameBytes: number; pingIntervalMs: number };
  readyMaxLag: number;
  /** Consumer lag above which the collector refuses events (503); 0: never. */
  ingestMaxLag: number;
  /** Share of the V8 heap limit in use above which the collector refuses events (503). */
  heapShedRatio: number;
  model: ModelConfig;
}

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY lists. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const TRUST_PROXY_HINT =
  'set TRUST_PROXY=false (default: the socket address is the client), a hop count such as 1, ' +
  "or the load balancers' addresses/CIDRs such as 10.0.0.0/8,loopback; TRUST_PROXY=true believes X-Forwarded-For from anyone";

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const brokerPattern = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

/** Reads and validates the whole configuration once; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const num = (name: NumberVar): number => {
    const spec = NUMBER_VARS[name];
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return spec.def;
    const rule: NumberRule = spec.rule;
    const schema = z.coerce
      .number()
      .finite()
      .refine((v) => !rule.int || Number.isInteger(v), 'must be a whole number')
      .refine((v) => rule.min === undefined || v >= rule.min, `must be ≥ ${rule.min}`)
      .refine((v) => rule.max === undefined || v <= rule.max, `must be ≤ ${rule.max}`);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      problems.push(`${name}=${JSON.stringify(raw)} ${parsed.error.issues[0]?.message ?? 'is invalid'}; set ${spec.hint}`);
      return spec.def;
    }
    return parsed.data;
  };
  const str = (name: string, def: string): string => {
    const v = env[name]?.trim();
    return v && v.length > 0 ? v : def;
  };
  const opt = (name: string): string | null => {
    const v = env[name]?.trim();
    return v && v.length > 0 ? v : null;
  };

  const bool = (name: string, def: boolean): boolean => explicitBool(env, name, problems) ?? def;
  /** Kafka's convention: -1 is no limit. 0 is refused: it would delete records as soon as they are written. */
  const retention = (name: 'LOG_RETENTION_BYTES' | 'LOG_RETENTION_MS', least: number): number | null => {
    const v = num(name);
    if (v === -1) return null;
    if (v < least)
      problems.push(`${name}=${JSON.stringify(env[name])} must be -1 (no limit) or at least ${least}; set ${NUMBER_VARS[name].hint}`);
    return v;
  };

  const brokers = list(env.KAFKA_BROKERS);
  for (const b of brokers) {
    if (!brokerPattern.test(b))
      problems.push(`KAFKA_BROKERS has ${JSON.stringify(b)}; set a comma-separated list of host:port, e.g. KAFKA_BROKERS=localhost:9092`);
  }
  const registry = opt('SCHEMA_REGISTRY_URL');
  if (registry !== null) {
    try {
      new URL(registry);
    } catch {
      problems.push(
        `SCHEMA_REGISTRY_URL=${JSON.stringify(registry)} is not a URL; set e.g. SCHEMA_REGISTRY_URL=http://localhost:8081 or leave it unset for the embedded registry`,
      );
    }
  }
  const registryAuth = readRegistryAuth(env, registry, problems);
  const kafkaSecurity = readKafkaSecurity(env, problems);
  const logLevel = str('LOG_LEVEL', 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)} is not a level; set one of ${LOG_LEVELS.join(', ')}`);
  }
  const authSecret = opt('AUTH_SECRET');
  if (authSecret !== null && authSecret.length < 16) {
    problems.push('AUTH_SECRET is shorter than 16 characters; set a long random secret, e.g. AUTH_SECRET=$(openssl rand -hex 32)');
  }
  const authSecretPrevious = opt('AUTH_SECRET_PREVIOUS');
  if (authSecretPrevious !== null) {
    if (authSecret === null) {
      problems.push(
        'AUTH_SECRET_PREVIOUS is set without AUTH_SECRET; during a rotation set AUTH_SECRET to the new secret and AUTH_SECRET_PREVIOUS to the old one',
      );
    } else if (authSecretPrevious === authSecret) {
      problems.push('AUTH_SECRET_PREVIOUS equals AUTH_SECRET; set it to the secret being rotated out, or unset it');
    } else if (authSecretPrevious.length < 16) {
      problems.push('AUTH_SECRET_PREVIOUS is shorter than 16 characters; it must be the previous AUTH_SECRET');
    }
  }
  const pseudonymizeKey = ((): string | null => {
    const hint =
      'set a long random key, e.g. PSEUDONYMIZE_KEY=$(openssl rand -hex 32), or name a file holding one in PSEUDONYMIZE_KEY_FILE';
    const direct = opt('PSEUDONYMIZE_KEY');
    const file = opt('PSEUDONYMIZE_KEY_FILE');
    if (direct !== null && file !== null) {
      problems.push(`PSEUDONYMIZE_KEY and PSEUDONYMIZE_KEY_FILE are both set; set only one of them`);
      return null;
    }
    let key = direct;
    if (file !== null) {
      try {
        key = readFileSync(file, 'utf8').trim();
      } catch (e) {
        problems.push(
          `PSEUDONYMIZE_KEY_FILE=${JSON.stringify(file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); ${hint}`,
        );
        return null;
      }
    }
    const name = file !== null ? `the key in PSEUDONYMIZE_KEY_FILE=${JSON.stringify(file)}` : 'PSEUDONYMIZE_KEY';
    if (key !== null && key.length < 32) problems.push(`${name} is shorter than 32 characters; ${hint}`);
    return key;
  })();
  const trustProxy = ((): Config['trustProxy'] => {
    const raw = env.TRUST_PROXY?.trim() ?? '';
    const word = raw.toLowerCase();
    if (['', 'false', 'no', 'off'].includes(word)) return false;
    if (['true', 'yes', 'on'].includes(word)) return true;
    if (/^\d+$/.test(raw)) return Number(raw) === 0 ? false : Number(raw);
    const entries = list(raw);
    const bad = entries.filter((e) => !isProxyAddress(e));
    if (bad.length > 0) problems.push(`TRUST_PROXY has ${bad.map((b) => JSON.stringify(b)).join(', ')}; ${TRUST_PROXY_HINT}`);
    return entries;
  })();
  const corsOrigins = list(env.CORS_ORIGINS);
  for (const o of corsOrigins) {
    if (o === '*') continue;
    try {
      new URL(o);
    } catch {
      problems.push(`CORS_ORIGINS has ${JSON.stringify(o)}; set a comma-separated list of origins like https://shop.example.com, or *`);
    }
  }

  const weights = { ...DEFAULT_MODEL_CONFIG.weights };
  for (const pair of list(env.MODEL_EVENT_WEIGHTS)) {
    const [type, value] = pair.split('=').map((x) => x.trim());
    const w = Number(value);
    if (!(type in weights) || value === undefined || !Number.isFinite(w) || w < 0) {
      problems.push(
        `MODEL_EVENT_WEIGHTS has ${JSON.stringify(pair)}; set type=weight pairs with weights ≥ 0 for ${Object.keys(weights).join(', ')}, e.g. MODEL_EVENT_WEIGHTS=view=1,purchase=2`,
      );
      continue;
    }
    weights[type as keyof typeof weights] = w;
  }

  const group = str('GROUP_ID', 'recstream');
  const topics: Topics = {
    clicks: str('TOPIC_CLICKS', 'clickstream'),
    purchases: str('TOPIC_PURCHASES', 'purchases'),
    recommendations: str('TOPIC_RECOMMENDATIONS', 'recommendations'),
    dlq: str('TOPIC_DLQ', 'recstream.dlq'),
    changelog: str('TOPIC_CHANGELOG', 'recstream.changelog'),
    // internal topics belong to one application, as Kafka Streams prefixes them with application.id
    itemDeltas: str('TOPIC_ITEM_DELTAS', `${group}.item-deltas`),
    itemNeighbors: str('TOPIC_ITEM_NEIGHBORS', `${group}.item-neighbors`),
    modelParams: str('TOPIC_MODEL_PARAMS', `${group}.model-params`),
    userState: str('TOPIC_USER_STATE', `${group}.user-state`),
    itemState: str('TOPIC_ITEM_STATE', `${group}.item-state`),
  };
  const topicNames = Object.values(topics);
  if (new Set(topicNames).size !== topicNames.length) {
    problems.push(
      `topic names must differ (TOPIC_CLICKS, TOPIC_PURCHASES, TOPIC_RECOMMENDATIONS, TOPIC_DLQ, TOPIC_CHANGELOG, TOPIC_ITEM_DELTAS, TOPIC_ITEM_NEIGHBORS, TOPIC_MODEL_PARAMS): got ${topicNames.join(', ')}`,
    );
  }

  const config: Config = {
    port: num('PORT'),
    host: str('HOST', '0.0.0.0'),
    kafka:
      brokers.length > 0
        ? {
            brokers,
            clientId: str('KAFKA_CLIENT_ID', 'recstream'),
            sessionTimeoutMs: num('KAFKA_SESSION_TIMEOUT_MS'),
            rebalanceTimeoutMs: num('KAFKA_REBALANCE_TIMEOUT_MS'),
            heartbeatIntervalMs: num('KAFKA_HEARTBEAT_INTERVAL_MS'),
            maxWaitMs: num('KAFKA_MAX_WAIT_MS'),
            commitIntervalMs: num('KAFKA_COMMIT_INTERVAL_MS'),
            ...kafkaSecurity,
          }
        : null,
    groupId: group,
    schemaRegistryUrl: registry,
    schemaRegistryAuth: registryAuth,
    registry: {
      maxSchemaBytes: num('REGISTRY_MAX_SCHEMA_BYTES'),
      maxSchemas: num('REGISTRY_MAX_SCHEMAS'),
      maxSubjects: num('REGISTRY_MAX_SUBJECTS'),
      maxVersionsPerSubject: num('REGISTRY_MAX_VERSIONS_PER_SUBJECT'),
    },
    topics,
    partitions: num('PARTITIONS'),
    neighborPublishMs: num('NEIGHBOR_PUBLISH_MS'),
    modelMergeMs: num('MODEL_MERGE_MS'),
    stateCommitMs: num('STATE_COMMIT_MS'),
    itemDeltasFormat: num('ITEM_DELTAS_FORMAT') as 2 | 3,
    authSecret,
    authSecretPrevious,
    writeKeys: list(env.WRITE_KEYS),
    adminToken: opt('ADMIN_TOKEN'),
    pseudonymizeKey,
    dataDir: opt('DATA_DIR'),
    logRetention: {
      bytes: retention('LOG_RETENTION_BYTES', LEAST_LOG_RETENTION.bytes),
      ms: retention('LOG_RETENTION_MS', LEAST_LOG_RETENTION.ms),
    },
    logLevel: logLevel as Config['logLevel'],
    corsOrigins,
    maxBodyBytes: num('MAX_BODY_BYTES'),
    maxBatchEvents: num('MAX_BATCH_EVENTS'),
    rateLimitPerMinute: num('RATE_LIMIT_PER_MINUTE'),
    trustProxy,
    http: {
      requestTimeoutMs: num('HTTP_REQUEST_TIMEOUT_MS'),
      headersTimeoutMs: num('HTTP_HEADERS_TIMEOUT_MS'),
      keepAliveTimeoutMs: num('HTTP_KEEP_ALIVE_TIMEOUT_MS'),
      // Behind a proxy the socket address is the proxy's, so by default no per-address cap applies.
      maxConnectionsPerIp:
        trustProxy !== false && (env.HTTP_MAX_CONNECTIONS_PER_IP ?? '').trim() === '' ? 0 : num('HTTP_MAX_CONNECTIONS_PER_IP'),
    },
    tokenMaxTtlSeconds: num('TOKEN_MAX_TTL_SECONDS'),
    recommendationLimit: num('RECOMMENDATION_LIMIT'),
    excludeSeen: bool('RECOMMEND_EXCLUDE_SEEN', true),
    eventMaxBytes: num('EVENT_MAX_BYTES'),
    eventMaxFutureMs: num('EVENT_MAX_FUTURE_SECONDS') * 1000,
    ws: {
      maxSubscriptions: num('WS_MAX_SUBSCRIPTIONS'),
      maxFrameBytes: num('WS_MAX_FRAME_BYTES'),
      pingIntervalMs: num('WS_PING_INTERVAL_MS'),
    },
    readyMaxLag: num('READY_MAX_LAG'),
    ingestMaxLag: num('INGEST_MAX_LAG'),
    heapShedRatio: num('HEAP_SHED_RATIO'),
    model: {
      ...DEFAULT_MODEL_CONFIG,
      historyLength: num('MODEL_HISTORY_LENGTH'),
      neighbors: num('MODEL_NEIGHBORS'),
      maxCountersPerItem: num('MODEL_MAX_COUNTERS_PER_ITEM'),
      halfLifeHours: num('MODEL_HALF_LIFE_HOURS'),
      trendingHalfLifeHours: num('MODEL_TRENDING_HALF_LIFE_HOURS'),
      userIdleDays: num('MODEL_USER_IDLE_DAYS'),
      itemIdleDays: num('MODEL_ITEM_IDLE_DAYS'),
      maxUsers: num('MODEL_MAX_USERS'),
      maxItems: num('MODEL_MAX_ITEMS'),
      shrinkage: num('MODEL_SHRINKAGE'),
      rlsForgetting: num('MODEL_RLS_FORGETTING'),
      rankerBrowseEvery: num('MODEL_RANKER_BROWSE_EVERY'),
      minSupportUsers: num('MODEL_MIN_SUPPORT_USERS'),
      weights,
    },
  };
  if (config.kafka !== null && config.kafka.heartbeatIntervalMs >= config.kafka.sessionTimeoutMs) {
    problems.push(
      `KAFKA_HEARTBEAT_INTERVAL_MS=${config.kafka.heartbeatIntervalMs} must be below KAFKA_SESSION_TIMEOUT_MS=${config.kafka.sessionTimeoutMs}; set it to about a third of the session timeout`,
    );
  }
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS=${config.http.headersTimeoutMs} must not exceed HTTP_REQUEST_TIMEOUT_MS=${config.http.requestTimeoutMs}; the headers are part of the request, so lower it or raise the request timeout`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
