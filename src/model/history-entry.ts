import { EVENT_TYPES, type EventType } from '../events/types.js';

/**
 * A history entry's flags: the last event type's index in EVENT_TYPES and two bits of cart state,
 * in one small integer.
 */
const TYPE_BITS = 0b111;
const IN_CART = 0b1000;
const PURCHASED = 0b10000;
/** Flags take the low bits of a number they share (below FLAG_SPAN). */
export const FLAG_SPAN = 32;

export const lastTypeOf = (flags: number): EventType => EVENT_TYPES[flags & TYPE_BITS];
export const isInCart = (flags: number): boolean => (flags & IN_CART) !== 0;
export const wasPurchased = (flags: number): boolean => (flags & PURCHASED) !== 0;

export function flagsOf(lastType: EventType, inCart: boolean, purchased: boolean): number {
  return EVENT_TYPES.indexOf(lastType) | (inCart ? IN_CART : 0) | (purchased ? PURCHASED : 0);
}

/** The flags of a first event of `type` on an item. */
export const firstFlags = (type: EventType): number => flagsOf(type, type === 'add_to_cart', type === 'purchase');

/** After an event of `type`: its last type, and the cart put in or emptied, a purchase kept. */
export function flagsAfter(flags: number, type: EventType): number {
  let inCart = isInCart(flags);
  if (type === 'add_to_cart') inCart = true;
  else if (type === 'remove_from_cart' || type === 'purchase') inCart = false;
  return flagsOf(type, inCart, wasPurchased(flags) || type === 'purchase');
}
