import type { FtrlJson } from './ftrl.js';
import { FtrlRegression } from './ftrl.js';
import { type RlsJson, RlsRegression } from './rls.js';
import { type ItemNodeJson, ItemSimilarity } from './similarity.js';
import { ModelState } from './state.js';
import { Transitions, type TransitionsJson } from './transitions.js';
import { Trending, type TrendingJson } from './trending.js';
import { type ForgottenCounts, type ModelConfig, resolveConfig } from './types.js';
import { UserHistory, type UserHistoryJson } from './user-history.js';

export const SNAPSHOT_FORMAT = 'recstream-model';
/**
 * 2: users and items in order of last activity; 3: the order-value regression carries its robust
 * scales, history entries the user's trending and followed-by contributions (contributions.ts),
 * counters their distinct users (distinct-users.ts); 4: a user's dedup ids as 64-bit hashes
 * (event-ids.ts).
 */
export const SNAPSHOT_VERSION = 4;

/**
 * The whole model as plain JSON; Map insertion orders are kept as array order (users and items in
 * order of last activity, which decides who is forgotten first at a cap).
 */
export interface ModelSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  config: ModelConfig;
  eventsApplied: number;
  maxTime: number;
  decayT0: number | null;
  users: Array<[string, UserHistoryJson]>;
  items: Array<[string, ItemNodeJson]>;
  transitions: TransitionsJson;
  trending: TrendingJson;
  prices: Array<[string, number]>;
  ranker: FtrlJson;
  rls: RlsJson;
  forgotten: ForgottenCounts;
}

export function toSnapshot(model: ModelState): ModelSnapshot {
  const users: ModelSnapshot['users'] = [];
  for (const [id, u] of model.users) users.push([id, u.toJSON()]);
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    config: structuredClone(model.config),
    eventsApplied: model.eventsApplied,
    maxTime: model.maxTime,
    decayT0: model.decay.t0,
    users,
    items: model.similarity.toJSON(),
    transitions: model.transitions.toJSON(),
    trending: model.trending.toJSON(),
    prices: [...model.prices],
    ranker: model.ranker.toJSON(),
    rls: model.rls.toJSON(),
    forgotten: { ...model.forgotten },
  };
}

/** The state a snapshot holds; throws when `snapshot` is not one this version can read. */
export function fromSnapshot(snapshot: unknown): ModelState {
  if (!isSnapshot(snapshot)) throw new Error('not a recstream model snapshot');
  if (snapshot.version !== SNAPSHOT_VERSION) throw new Error(`unsupported model snapshot version ${snapshot.version}`);
  // a snapshot written before a knob existed takes its default
  const model = new ModelState(resolveConfig(snapshot.config));
  const c = model.config;
  model.eventsApplied = snapshot.eventsApplied;
  model.maxTime = snapshot.maxTime;
  model.decay.t0 = snapshot.decayT0;
  for (const [id, u] of snapshot.users) model.users.set(id, UserHistory.fromJSON(model.userContext, u));
  model.similarity = ItemSimilarity.fromJSON(model.similarity.options, snapshot.items);
  model.transitions = Transitions.fromJSON(snapshot.transitions, model.similarity);
  model.trending = Trending.fromJSON(c.trendingHalfLifeHours, snapshot.trending);
  model.prices = new Map(snapshot.prices);
  model.ranker = FtrlRegression.fromJSON(c.ftrl, snapshot.ranker);
  model.rls = RlsRegression.fromJSON(snapshot.rls);
  model.forgotten = { ...snapshot.forgotten };
  return model;
}

function isSnapshot(value: unknown): value is ModelSnapshot {
  return value !== null && typeof value === 'object' && (value as { format?: unknown }).format === SNAPSHOT_FORMAT;
}
