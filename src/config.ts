import { z } from 'zod';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from './model/types.js';

/** Thrown when the environment cannot make a valid configuration; the message names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const list = (s: string | undefined): string[] =>
  (s ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);

interface NumberRule { min?: number; max?: number; int?: boolean }

/** Every variable: its default, its type and the hint printed when it is wrong. */
const NUMBER_VARS = {
  PORT: { def: 8080, rule: { min: 0, max: 65535, int: true }, hint: 'a TCP port, e.g. PORT=8080 (0 picks a free port)' },
  PARTITIONS: { def: 4, rule: { min: 1, max: 1024, int: true }, hint: 'partitions of the embedded input topics, e.g. PARTITIONS=4' },
  MAX_BODY_BYTES: { def: 1_048_576, rule: { min: 1024, int: true }, hint: 'largest POST /v1/events body in bytes, e.g. MAX_BODY_BYTES=1048576' },
  MAX_BATCH_EVENTS: { def: 1000, rule: { min: 1, int: true }, hint: 'most events in one POST /v1/events, e.g. MAX_BATCH_EVENTS=1000' },
  RATE_LIMIT_PER_MINUTE: { def: 6000, rule: { min: 0, int: true }, hint: 'POST /v1/events requests per write key per minute (0 = unlimited)' },
  RECOMMENDATION_LIMIT: { def: 10, rule: { min: 1, max: 200, int: true }, hint: 'items per pushed recommendation list, 1..200' },
  WS_MAX_SUBSCRIPTIONS: { def: 20, rule: { min: 1, int: true }, hint: 'subscriptions one WebSocket may hold, e.g. WS_MAX_SUBSCRIPTIONS=20' },
  WS_MAX_FRAME_BYTES: { def: 16_384, rule: { min: 256, int: true }, hint: 'largest inbound WebSocket frame in bytes' },
  WS_PING_INTERVAL_MS: { def: 30_000, rule: { min: 100, int: true }, hint: 'WebSocket ping interval in ms; a client silent for two intervals is dropped' },
  READY_MAX_LAG: { def: 10_000, rule: { min: 0, int: true }, hint: 'consumer lag (messages) above which /readyz answers 503' },
  HEAP_SHED_RATIO: { def: 0.85, rule: { min: 0.01, max: 1 }, hint: 'share of the V8 heap limit in use above which POST /v1/events answers 503, e.g. HEAP_SHED_RATIO=0.85 (1 = never)' },
  KAFKA_SESSION_TIMEOUT_MS: { def: 30_000, rule: { min: 1000, int: true }, hint: 'consumer-group session timeout in ms, e.g. 30000' },
  KAFKA_REBALANCE_TIMEOUT_MS: { def: 60_000, rule: { min: 1000, int: true }, hint: 'how long a rebalance waits for members to rejoin, in ms, e.g. 60000' },
  KAFKA_HEARTBEAT_INTERVAL_MS: { def: 3_000, rule: { min: 100, int: true }, hint: 'consumer heartbeat interval in ms (about a third of the session timeout)' },
  KAFKA_MAX_WAIT_MS: { def: 100, rule: { min: 10, max: 10_000, int: true }, hint: 'longest a fetch waits for new records in ms; lower means fresher lists, e.g. 100' },
  EVENT_MAX_BYTES: { def: 65_536, rule: { min: 256, int: true }, hint: 'largest accepted event in bytes; larger ones go to the dead-letter topic' },
  MODEL_HISTORY_LENGTH: { def: DEFAULT_MODEL_CONFIG.historyLength, rule: { min: 0, int: true }, hint: 'recent items kept per user (0 = unbounded)' },
  MODEL_NEIGHBORS: { def: DEFAULT_MODEL_CONFIG.neighbors, rule: { min: 1, int: true }, hint: 'neighbours kept per item' },
  MODEL_MAX_COUNTERS_PER_ITEM: { def: DEFAULT_MODEL_CONFIG.maxCountersPerItem, rule: { min: 0, int: true }, hint: 'co-occurrence counters per item (0 = unbounded)' },
  MODEL_HALF_LIFE_HOURS: { def: DEFAULT_MODEL_CONFIG.halfLifeHours, rule: { min: 0 }, hint: 'half-life of learned weights in hours (0 = no decay)' },
  MODEL_TRENDING_HALF_LIFE_HOURS: { def: DEFAULT_MODEL_CONFIG.trendingHalfLifeHours, rule: { min: 0 }, hint: 'half-life of trending counts in hours' },
  MODEL_USER_IDLE_DAYS: { def: DEFAULT_MODEL_CONFIG.userIdleDays, rule: { min: 0 }, hint: 'days after which an idle user is forgotten (0 = never)' },
  MODEL_ITEM_IDLE_DAYS: { def: DEFAULT_MODEL_CONFIG.itemIdleDays, rule: { min: 0 }, hint: 'days after which an item nobody interacted with is forgotten (0 = never)' },
  MODEL_MAX_USERS: { def: DEFAULT_MODEL_CONFIG.maxUsers, rule: { min: 0, int: true }, hint: `users held at once, the least recently active forgotten beyond it, e.g. MODEL_MAX_USERS=${DEFAULT_MODEL_CONFIG.maxUsers} (0 = unbounded: memory then grows with every new user id)` },
  MODEL_MAX_ITEMS: { def: DEFAULT_MODEL_CONFIG.maxItems, rule: { min: 0, int: true }, hint: `items held at once, the least recently active forgotten beyond it, e.g. MODEL_MAX_ITEMS=${DEFAULT_MODEL_CONFIG.maxItems} (0 = unbounded: memory then grows with every new item id)` },
  MODEL_SHRINKAGE: { def: DEFAULT_MODEL_CONFIG.shrinkage, rule: { min: 0 }, hint: 'similarity shrinkage for rare pairs, e.g. 5' },
  MODEL_RLS_FORGETTING: { def: DEFAULT_MODEL_CONFIG.rlsForgetting, rule: { min: 0.5, max: 1 }, hint: 'RLS forgetting factor in [0.5, 1]' },
} satisfies Record<string, { def: number; rule: NumberRule; hint: string }>;

type NumberVar = keyof typeof NUMBER_VARS;

export interface Topics {
  clicks: string;
  purchases: string;
  recommendations: string;
  dlq: string;
  changelog: string;
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
  } | null;
  groupId: string;
  schemaRegistryUrl: string | null;
  topics: Topics;
  partitions: number;
  authSecret: string | null;
  writeKeys: string[];
  adminToken: string | null;
  dataDir: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  corsOrigins: string[];
  maxBodyBytes: number;
  maxBatchEvents: number;
  rateLimitPerMinute: number;
  recommendationLimit: number;
  /** Lists leave out items the user already interacted with (not only purchased ones). */
  excludeSeen: boolean;
  eventMaxBytes: number;
  ws: { maxSubscriptions: number; maxFrameBytes: number; pingIntervalMs: number };
  readyMaxLag: number;
  /** Share of the V8 heap limit in use above which the collector refuses events (503). */
  heapShedRatio: number;
  model: ModelConfig;
}

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
    const schema = z.coerce.number().finite()
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

  const bool = (name: string, def: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return def;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(env[name])} is not a boolean; set ${name}=true or ${name}=false`);
    return def;
  };

  const brokers = list(env.KAFKA_BROKERS);
  for (const b of brokers) {
    if (!brokerPattern.test(b)) problems.push(`KAFKA_BROKERS has ${JSON.stringify(b)}; set a comma-separated list of host:port, e.g. KAFKA_BROKERS=localhost:9092`);
  }
  const registry = opt('SCHEMA_REGISTRY_URL');
  if (registry !== null) {
    try { new URL(registry); } catch { problems.push(`SCHEMA_REGISTRY_URL=${JSON.stringify(registry)} is not a URL; set e.g. SCHEMA_REGISTRY_URL=http://localhost:8081 or leave it unset for the embedded registry`); }
  }
  const logLevel = str('LOG_LEVEL', 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)} is not a level; set one of ${LOG_LEVELS.join(', ')}`);
  }
  const authSecret = opt('AUTH_SECRET');
  if (authSecret !== null && authSecret.length < 16) {
    problems.push('AUTH_SECRET is shorter than 16 characters; set a long random secret, e.g. AUTH_SECRET=$(openssl rand -hex 32)');
  }
  const corsOrigins = list(env.CORS_ORIGINS);
  for (const o of corsOrigins) {
    if (o === '*') continue;
    try { new URL(o); } catch { problems.push(`CORS_ORIGINS has ${JSON.stringify(o)}; set a comma-separated list of origins like https://shop.example.com, or *`); }
  }

  const weights = { ...DEFAULT_MODEL_CONFIG.weights };
  for (const pair of list(env.MODEL_EVENT_WEIGHTS)) {
    const [type, value] = pair.split('=').map((x) => x.trim());
    const w = Number(value);
    if (!(type in weights) || value === undefined || !Number.isFinite(w) || w < 0) {
      problems.push(`MODEL_EVENT_WEIGHTS has ${JSON.stringify(pair)}; set type=weight pairs with weights ≥ 0 for ${Object.keys(weights).join(', ')}, e.g. MODEL_EVENT_WEIGHTS=view=1,purchase=2`);
      continue;
    }
    weights[type as keyof typeof weights] = w;
  }

  const topics: Topics = {
    clicks: str('TOPIC_CLICKS', 'clickstream'),
    purchases: str('TOPIC_PURCHASES', 'purchases'),
    recommendations: str('TOPIC_RECOMMENDATIONS', 'recommendations'),
    dlq: str('TOPIC_DLQ', 'recstream.dlq'),
    changelog: str('TOPIC_CHANGELOG', 'recstream.changelog'),
  };
  const topicNames = Object.values(topics);
  if (new Set(topicNames).size !== topicNames.length) {
    problems.push(`topic names must differ (TOPIC_CLICKS, TOPIC_PURCHASES, TOPIC_RECOMMENDATIONS, TOPIC_DLQ, TOPIC_CHANGELOG): got ${topicNames.join(', ')}`);
  }

  const config: Config = {
    port: num('PORT'),
    host: str('HOST', '0.0.0.0'),
    kafka: brokers.length > 0
      ? {
        brokers,
        clientId: str('KAFKA_CLIENT_ID', 'recstream'),
        sessionTimeoutMs: num('KAFKA_SESSION_TIMEOUT_MS'),
        rebalanceTimeoutMs: num('KAFKA_REBALANCE_TIMEOUT_MS'),
        heartbeatIntervalMs: num('KAFKA_HEARTBEAT_INTERVAL_MS'),
        maxWaitMs: num('KAFKA_MAX_WAIT_MS'),
      }
      : null,
    groupId: str('GROUP_ID', 'recstream'),
    schemaRegistryUrl: registry,
    topics,
    partitions: num('PARTITIONS'),
    authSecret,
    writeKeys: list(env.WRITE_KEYS),
    adminToken: opt('ADMIN_TOKEN'),
    dataDir: opt('DATA_DIR'),
    logLevel: logLevel as Config['logLevel'],
    corsOrigins,
    maxBodyBytes: num('MAX_BODY_BYTES'),
    maxBatchEvents: num('MAX_BATCH_EVENTS'),
    rateLimitPerMinute: num('RATE_LIMIT_PER_MINUTE'),
    recommendationLimit: num('RECOMMENDATION_LIMIT'),
    excludeSeen: bool('RECOMMEND_EXCLUDE_SEEN', true),
    eventMaxBytes: num('EVENT_MAX_BYTES'),
    ws: {
      maxSubscriptions: num('WS_MAX_SUBSCRIPTIONS'),
      maxFrameBytes: num('WS_MAX_FRAME_BYTES'),
      pingIntervalMs: num('WS_PING_INTERVAL_MS'),
    },
    readyMaxLag: num('READY_MAX_LAG'),
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
      weights,
    },
  };
  if (config.kafka !== null && config.kafka.heartbeatIntervalMs >= config.kafka.sessionTimeoutMs) {
    problems.push(`KAFKA_HEARTBEAT_INTERVAL_MS=${config.kafka.heartbeatIntervalMs} must be below KAFKA_SESSION_TIMEOUT_MS=${config.kafka.sessionTimeoutMs}; set it to about a third of the session timeout`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
