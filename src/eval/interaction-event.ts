import type { TrackingEvent } from '../events/types.js';
import type { Interaction } from './interactions.js';

/** What a log row does not say and the caller decides: ids, the orders' currency, a time shift. */
export interface InteractionEventStyle {
  /** The event id is `${eventPrefix}-${index}`. */
  eventPrefix: string;
  /** A purchase row's order id is `${orderPrefix}-${index}`. */
  orderPrefix: string;
  /** Currency of purchase rows: interaction logs carry none. */
  currency: string;
  /** Added to the row's timestamp, in ms. Default 0. */
  shiftMs?: number;
}

/** A log row as the tracking event a website would have sent; `index` makes its ids unique. */
export function interactionEvent(row: Interaction, index: number, style: InteractionEventStyle): TrackingEvent {
  const { userId, itemId, price, sessionId } = row;
  const eventId = `${style.eventPrefix}-${index}`;
  const timestamp = row.timestamp + (style.shiftMs ?? 0);
  if (row.type === 'purchase') {
    return {
      kind: 'purchase',
      eventId,
      userId,
      timestamp,
      orderId: `${style.orderPrefix}-${index}`,
      currency: style.currency,
      items: [{ itemId, quantity: 1, price: price ?? 0 }],
      sessionId,
    };
  }
  return { kind: 'click', eventId, userId, timestamp, type: row.type, itemId, sessionId, price, recommendationId: null };
}
