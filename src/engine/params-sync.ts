import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { EventLog, GroupConsumer, PartitionBatch } from '../log/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ModelParams } from '../model/params.js';
import type { Recommender } from '../model/recommender.js';

const FORMAT = 'recstream.model-params/1';
/** Weights older than this many merge intervals belong to a process that has gone. */
const LIVE_INTERVALS = 3;

interface PeerParams {
  params: ModelParams;
  at: number;
}

/**
 * Shares the ranker and the order-value regression across the processes of a group: every
 * MODEL_MERGE_MS each process merges the latest weights its live peers published to the compacted
 * `model-params` topic into its own, then publishes its own (keyed by a per-process instance id).
 */
export class ParamsSync {
  private readonly instance = randomUUID();
  private readonly peers = new Map<string, PeerParams>();
  private consumer: GroupConsumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Config,
    private readonly log: EventLog,
    private readonly model: Recommender,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  start(): Promise<void> {
    this.consumer = this.log.consumer({
      groupId: `${this.config.groupId}.params.${this.instance}`,
      topics: [this.config.topics.modelParams],
      fromBeginning: true,
    });
    this.timer = setInterval(() => void this.tick(), this.config.modelMergeMs);
    this.timer.unref();
    return this.consumer.run(async (batch) => this.follow(batch));
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.running;
    await this.consumer?.stop();
    // a tombstone: peers stop merging this process's weights at once
    await this.log.produce([{ topic: this.config.topics.modelParams, key: this.instance, value: null }]).catch(() => undefined);
  }

  private follow(batch: PartitionBatch): void {
    for (const r of batch.records) {
      const key = r.key?.toString('utf8');
      if (key === undefined || key === this.instance) continue;
      if (r.value === null) {
        this.peers.delete(key);
        continue;
      }
      try {
        const parsed = JSON.parse(r.value.toString('utf8')) as { f?: string; params?: ModelParams };
        if (parsed.f === FORMAT && parsed.params !== undefined) this.peers.set(key, { params: parsed.params, at: r.timestamp });
      } catch {
        this.logger.warn({ partition: r.partition, offset: r.offset }, 'model parameters record not readable; skipped');
      }
    }
  }

  /** Merges the live peers' weights, then publishes this process's. */
  tick(): Promise<void> {
    const run = this.running.then(async () => {
      const now = this.clock();
      const live: PeerParams[] = [];
      for (const [key, peer] of this.peers) {
        if (now - peer.at > LIVE_INTERVALS * this.config.modelMergeMs) this.peers.delete(key);
        else live.push(peer);
      }
      this.model.mergeParams(live.map((p) => p.params));
      this.metrics.modelParamsPeers.set(live.length);
      this.metrics.modelParamsStaleness.set(live.length === 0 ? 0 : Math.max(0, ...live.map((p) => now - p.at)) / 1000);
      const value = Buffer.from(JSON.stringify({ f: FORMAT, params: this.model.exportParams() }));
      await this.log.produce([{ topic: this.config.topics.modelParams, key: this.instance, value }]);
    });
    this.running = run.catch((err: unknown) => this.logger.warn({ err }, 'sharing model parameters failed'));
    return run;
  }
}
