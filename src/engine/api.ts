import type { Config } from '../config.js';
import type { Recommendation } from '../events/types.js';
import type { Metrics } from '../metrics.js';
import type { ModelDigest, SimilarItem } from '../model/types.js';

export interface IngestResult {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

export interface Readiness {
  ready: boolean;
  /** Why not ready, for /readyz and logs. */
  reason?: string;
  /** Input partitions this process owns, as "topic/partition". */
  partitions?: string[];
}

/** Whether new input is taken now; when not, why and when to try again. */
export type Admission = { admitted: true } | { admitted: false; reason: string; retryAfterSeconds: number };

/**
 * What the HTTP and WebSocket faces may use. They read from the engine through this and never reach
 * into the model.
 */
export interface EngineApi {
  readonly config: Config;
  readonly metrics: Metrics;
  /** Whether the collector may take events now (refused while the heap is near its limit); cheap per request. */
  admission(): Admission;
  /** Validates JSON events from the collector and appends the valid ones to the input topics. */
  ingest(events: unknown[]): Promise<IngestResult>;
  /**
   * The id a user's lists carry on onRecommendation and the topics: their pseudonym when
   * PSEUDONYMIZE_KEY is set, else the id itself. The methods below take ids as websites know them.
   */
  pseudonym(userId: string): string;
  /**
   * The latest list pushed for the user, or one computed now if there is none, carrying `userId` as
   * asked; with `fresh`, one computed now from the current state by the process that owns the user
   * (elsewhere the latest list). Not counted in recstream_recommendations_total: the face that
   * delivers it counts it under its own sink.
   */
  recommendationsFor(userId: string, limit?: number, fresh?: boolean): Recommendation;
  similarItems(itemId: string, limit: number): SimilarItem[];
  /** Forgets the user everywhere (model state, latest list, changelog tombstone). */
  eraseUser(userId: string): Promise<boolean>;
  digest(): ModelDigest;
  /**
   * True when every item increment this process owns is applied and every published row is in its
   * table: answers then reflect everything learned (the global view lags the events a moment).
   */
  settled(): Promise<boolean>;
  readiness(): Readiness;
  /**
   * Every fresh list for any user, whichever process produced it; with `wants`, only those of the
   * users it names (another process's list for a user no listener wants is held without being read).
   * Returns an unsubscribe function.
   */
  onRecommendation(listener: RecommendationListener, wants?: (userId: string) => boolean): () => void;
}

export interface RecommendationMeta {
  /** Event time of the event that triggered the list, for event → push latency. */
  eventTime?: number;
}

export type RecommendationListener = (rec: Recommendation, meta: RecommendationMeta) => void;
