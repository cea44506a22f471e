import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Kafka and browser tests start real brokers and browsers; two cores do not fit many at once.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
