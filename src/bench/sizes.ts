import type { MemorySizes } from './memory.js';

/** How big each part of the suite is: `--quick` for CI (well under a minute), full for the docs. */
export interface BenchSizes {
  /** Memory: two models of the memory shape (src/bench/memory.ts), of clusters[0] and clusters[1] clusters of 201 items. */
  memory: MemorySizes;
  /**
   * One synthetic history for learn-only, the embedded pipeline and the engine on Kafka, so their
   * ratios compare like with like: `throughputEvents` events of shoppers drawn from
   * `throughputUsers` users over `throughputItems` items (Zipf activity and popularity).
   */
  throughputEvents: number;
  throughputUsers: number;
  throughputItems: number;
  latency: { rate: number; seconds: number; users: number };
  websocket: { clients: number; rate: number; seconds: number };
  /** Restore: `users` users with `eventsPerUser` events each over `items` items, stopped and restarted on one DATA_DIR. */
  restore: { users: number; eventsPerUser: number; items: number };
}

// Sized for the model's few thousand events/s on a shared 2-core machine (see docs/BENCHMARKS.md).
export const QUICK_SIZES: BenchSizes = {
  // 201 and 402 items, ~400 and ~800 users (300 a cluster and those that close its pairs)
  memory: { clusters: [1, 2], usersPerCluster: 300 },
  throughputEvents: 3_000,
  throughputUsers: 1_000,
  throughputItems: 500,
  latency: { rate: 100, seconds: 2, users: 50 },
  websocket: { clients: 200, rate: 100, seconds: 2 },
  restore: { users: 1_000, eventsPerUser: 3, items: 300 },
};

export const FULL_SIZES: BenchSizes = {
  // 804 and 1,608 items, ~6,000 and ~12,000 users: 120k and 240k events
  memory: { clusters: [4, 8], usersPerCluster: 1_500 },
  // a shop of 100k users and 20k items; the producer stays 10k records ahead of the engine, so the
  // mock cluster's per-partition retention never drops unread messages
  throughputEvents: 200_000,
  throughputUsers: 100_000,
  throughputItems: 20_000,
  latency: { rate: 2_000, seconds: 10, users: 2_000 },
  websocket: { clients: 2_000, rate: 500, seconds: 10 },
  // the model's default caps (MODEL_MAX_USERS, MODEL_MAX_ITEMS) hold all of them
  restore: { users: 100_000, eventsPerUser: 3, items: 20_000 },
};
