import type { RlsRegression } from './rls.js';
import type { UserHistory } from './user-history.js';

const DAY_MS = 86_400_000;

/** Recency / frequency / monetary features of a user's orders at `now`, for the order-value RLS. */
export function rfmFeatures(user: UserHistory, now: number): number[] {
  const r = user.rfm;
  const days = Math.max(0, now - r.lastOrderTime) / DAY_MS;
  return [1, Math.log1p(days), Math.log1p(r.orders), r.totalValue / r.orders, r.lastOrderValue];
}

/** Dimensions of rfmFeatures. */
export const RFM_DIMENSIONS = 5;

/**
 * Learns the user's order of `value` at `time`: the regression learns it from their earlier orders,
 * then it joins them.
 */
export function learnOrderValue(rls: RlsRegression, user: UserHistory, value: number, time: number): void {
  if (user.orders > 0) rls.update(rfmFeatures(user, time), value);
  user.addOrder(value, time);
}

/** The expected value of the user's next order at `now`; null for a user without orders or an untrained regression. */
export function expectedOrderValue(rls: RlsRegression, user: UserHistory | undefined, now: number): number | null {
  if (user === undefined || user.orders === 0) return null;
  const v = rls.predict(rfmFeatures(user, now));
  return v === null ? null : Math.max(0, v);
}
