/** The event and output shapes of the external contract (schemas/*.avsc are the source of truth). */

export const CLICK_TYPES = ['view', 'click', 'add_to_cart', 'remove_from_cart'] as const;
export type ClickType = (typeof CLICK_TYPES)[number];
/** Every event type: the click types and `purchase`. */
export const EVENT_TYPES = [...CLICK_TYPES, 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ClickEvent {
  eventId: string;
  userId: string;
  /** Event time, epoch millis. */
  timestamp: number;
  type: ClickType;
  itemId: string;
  /** The recommendation list the click came from (attribution). */
  recommendationId?: string | null;
  sessionId?: string | null;
  /** Listed price of the item when the event happened, if the site knows it. */
  price?: number | null;
}

export interface PurchaseLine {
  itemId: string;
  quantity: number;
  price: number;
}

export interface PurchaseEvent {
  eventId: string;
  userId: string;
  timestamp: number;
  orderId: string;
  currency: string;
  items: PurchaseLine[];
  sessionId?: string | null;
}

/** A validated event from any source, tagged by kind. */
export type TrackingEvent = ({ kind: 'click' } & ClickEvent) | ({ kind: 'purchase' } & PurchaseEvent);

export interface RecommendedItem {
  itemId: string;
  score: number;
  /** Why the item is there, e.g. `co-viewed:<itemId>`, `bought-together:<itemId>`, `trending`. */
  reasons: string[];
}

export interface UserScores {
  expectedOrderValue: number | null;
}

export interface Recommendation {
  userId: string;
  /** Deterministic: the same user, trigger and list give the same id. */
  recommendationId: string;
  generatedAt: number;
  triggerEventId: string | null;
  modelVersion: string;
  items: RecommendedItem[];
  userScores: UserScores | null;
}
