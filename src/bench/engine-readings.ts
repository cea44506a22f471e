import type { BenchEngine, EngineProgress, ItemDeltaCounts } from './bench-engine.js';

/**
 * The engines' progress since a run began: each engine read again only once its `pollMs` has passed
 * (another process answers each read with a /metrics scrape), or when forced.
 */
export class EngineReadings {
  readonly pollMs: number;
  private readonly readAt: number[];

  private constructor(
    private readonly engines: readonly BenchEngine[],
    private readonly baseline: readonly EngineProgress[],
    private readonly current: EngineProgress[],
  ) {
    this.pollMs = Math.min(...engines.map((e) => e.pollMs));
    this.readAt = engines.map(() => performance.now());
  }

  static async start(engines: readonly BenchEngine[]): Promise<EngineReadings> {
    const baseline = await Promise.all(engines.map((e) => e.progress()));
    return new EngineReadings(engines, baseline, [...baseline]);
  }

  async refresh(force = false): Promise<void> {
    const now = performance.now();
    await Promise.all(
      this.engines.map(async (engine, i) => {
        if (!force && now - this.readAt[i]! < engine.pollMs) return;
        this.readAt[i] = now;
        this.current[i] = await engine.progress();
      }),
    );
  }

  /** Input records each engine has handled, in the order the engines were given. */
  handledBy(): number[] {
    return this.current.map((now, i) => now.recordsHandled - this.baseline[i]!.recordsHandled);
  }

  handled(): number {
    return this.handledBy().reduce((a, b) => a + b, 0);
  }

  /** Item deltas of all the engines together (one process sends a delta, another applies it). */
  itemDeltas(): ItemDeltaCounts {
    const total: ItemDeltaCounts = { sent: 0, applied: 0, duplicate: 0 };
    this.current.forEach(({ itemDeltas: now }, i) => {
      const before = this.baseline[i]!.itemDeltas;
      total.sent += now.sent - before.sent;
      total.applied += now.applied - before.applied;
      total.duplicate += now.duplicate - before.duplicate;
    });
    return total;
  }
}
