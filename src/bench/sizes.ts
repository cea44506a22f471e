/** How big each part of the suite is: `--quick` for CI (well under a minute), full for the docs. */
export interface BenchSizes {
  /** Memory: one model learned from `events` events of `users` shoppers over `items` items. */
  memory: { users: number; items: number; events: number };
  /** One synthetic history for learn-only, the embedded pipeline and the engine on Kafka, so their ratios compare like with like. */
  throughputEvents: number;
  throughputUsers: number;
  latency: { rate: number; seconds: number; users: number };
  websocket: { clients: number; rate: number; seconds: number };
  /** Restore: `users` users with `eventsPerUser` events each over `items` items, stopped and restarted on one DATA_DIR. */
  restore: { users: number; eventsPerUser: number; items: number };
}

// Sized for the model's few thousand events/s on a shared 2-core machine (see docs/BENCHMARKS.md).
export const QUICK_SIZES: BenchSizes = {
  memory: { users: 1_000, items: 300, events: 5_000 },
  throughputEvents: 3_000,
  throughputUsers: 1_000,
  latency: { rate: 100, seconds: 2, users: 50 },
  websocket: { clients: 200, rate: 100, seconds: 2 },
  restore: { users: 1_000, eventsPerUser: 3, items: 300 },
};

export const FULL_SIZES: BenchSizes = {
  memory: { users: 10_000, items: 2_000, events: 80_000 },
  // on Kafka: four partitions of ~12k messages (~2 MB) each, under the mock cluster's retention
  throughputEvents: 50_000,
  throughputUsers: 10_000,
  latency: { rate: 500, seconds: 10, users: 500 },
  websocket: { clients: 2_000, rate: 500, seconds: 10 },
  // the model's default caps (MODEL_MAX_USERS, MODEL_MAX_ITEMS) hold all of them
  restore: { users: 100_000, eventsPerUser: 3, items: 20_000 },
};
