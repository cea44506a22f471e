/** How big each part of the suite is: `--quick` for CI (well under a minute), full for the docs. */
export interface BenchSizes {
  learnOnlyEvents: number;
  /** Memory: one model learned from `events` events of `users` shoppers over `items` items. */
  memory: { users: number; items: number; events: number };
  pipelineEvents: number;
  pipelineUsers: number;
  kafkaEvents: number;
  latency: { rate: number; seconds: number; users: number };
  websocket: { clients: number; rate: number; seconds: number };
}

// Sized for the model's few thousand events/s on a shared 2-core machine (see docs/BENCHMARKS.md).
export const QUICK_SIZES: BenchSizes = {
  learnOnlyEvents: 5_000,
  memory: { users: 1_000, items: 300, events: 5_000 },
  pipelineEvents: 3_000,
  pipelineUsers: 1_000,
  kafkaEvents: 3_000,
  latency: { rate: 100, seconds: 2, users: 50 },
  websocket: { clients: 200, rate: 100, seconds: 2 },
};

export const FULL_SIZES: BenchSizes = {
  learnOnlyEvents: 100_000,
  memory: { users: 10_000, items: 2_000, events: 80_000 },
  pipelineEvents: 100_000,
  pipelineUsers: 10_000,
  // four partitions of ~25k each: well under the mock cluster's ~100k-per-partition retention
  kafkaEvents: 100_000,
  latency: { rate: 500, seconds: 10, users: 500 },
  websocket: { clients: 2_000, rate: 500, seconds: 10 },
};
