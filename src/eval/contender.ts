import type { ModelStats, OnlineRecommender } from '../model/types.js';
import { type InteractionEventStyle, interactionEvent } from './interaction-event.js';
import type { Interaction } from './interactions.js';

/** Anything the prequential loop can test then teach, one interaction at a time. */
export interface Contender {
  readonly name: string;
  /**
   * Top-k item ids for the user at `now`, best first. `seen` holds every item the user interacted with
   * so far in the log: none of them may be returned (the protocol's exclusion).
   */
  recommend(userId: string, k: number, now: number, seen: ReadonlySet<string>): string[];
  /** Learns the interaction; `index` is its position in the evaluated order (a unique id). */
  learn(interaction: Interaction, index: number): void;
  /** Memory figures to report, when the contender has any. */
  stats?(): ModelStats;
}

/** Ids of events learned in an evaluation; XXX is ISO 4217's "no currency". */
const EVAL_EVENTS: InteractionEventStyle = { eventPrefix: 'eval', orderPrefix: 'eval-order', currency: 'XXX' };

/** recstream's model behind the contender interface, asked with excludeSeen plus the log's own seen set. */
export function recommenderContender(model: OnlineRecommender, name = 'recstream'): Contender {
  return {
    name,
    recommend(userId, k, now, seen) {
      return model.recommend(userId, { limit: k, now, excludeSeen: true, exclude: seen }).items.map((i) => i.itemId);
    },
    learn(interaction, index) {
      model.learnOne(interactionEvent(interaction, index, EVAL_EVENTS));
    },
    stats: () => model.stats(),
  };
}
