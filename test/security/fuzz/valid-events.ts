import fc from 'fast-check';
import { CLICK_TYPES } from '../../../src/events/types.js';

/** Where a valid event goes in a generated input: a fresh event, or a re-send of a recent one. */
export type ValidSlot = { fresh: number } | { resend: number };

const RECENT_RESENDS = 20;

/** Mostly fresh events; now and then a client retry of one of the last few (must not count twice). */
export const validSlot: fc.Arbitrary<ValidSlot> = fc.oneof(
  { weight: 9, arbitrary: fc.nat().map((fresh) => ({ fresh })) },
  { weight: 1, arbitrary: fc.nat(RECENT_RESENDS - 1).map((resend) => ({ resend })) },
);

export const VALID_USERS = 200;
const VALID_ITEMS = 120;
/** Ids that name Object.prototype members: any state kept in plain objects would trip over them. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** The valid user with index n (0 stays an ordinary id: the long-lived subscriber uses it). */
export function validUser(n: number): string {
  return PROTOTYPE_NAMES[n - 1] ?? `vu-${n}`;
}

function validItem(n: number): string {
  return PROTOTYPE_NAMES[n - 1] ?? `vi-${n}`;
}

/**
 * Makes the valid events the fuzz run mixes into its inputs: unique event and order ids from a counter,
 * users and items from small pools so the model has something to learn, event time now. Re-sends only
 * reach back a few events, well inside the per-user duplicate window of the model.
 */
export class ValidEvents {
  private sequence = 0;
  private readonly recent: Array<Record<string, unknown>> = [];

  constructor(private readonly prefix: string) {}

  event(slot: ValidSlot): Record<string, unknown> {
    if ('resend' in slot && this.recent.length > 0) {
      return this.recent[this.recent.length - 1 - (slot.resend % this.recent.length)]!;
    }
    const pick = 'fresh' in slot ? slot.fresh : slot.resend;
    const event = this.make(pick);
    this.recent.push(event);
    if (this.recent.length > RECENT_RESENDS) this.recent.shift();
    return event;
  }

  /** A fresh valid click for a given user (the persistent subscriber's last event). */
  clickFor(userId: string): Record<string, unknown> {
    const n = this.sequence++;
    return { eventId: `${this.prefix}-${n}`, userId, itemId: validItem(n % VALID_ITEMS), type: 'view', timestamp: Date.now() };
  }

  private make(pick: number): Record<string, unknown> {
    const n = this.sequence++;
    const eventId = `${this.prefix}-${n}`;
    const userId = validUser(pick % VALID_USERS);
    const itemId = validItem(Math.floor(pick / VALID_USERS) % VALID_ITEMS);
    // ISO-8601 now and then: the collector accepts both forms.
    const timestamp = pick % 5 === 0 ? new Date().toISOString() : Date.now();
    if (pick % 9 === 0) {
      const lines = 1 + (pick % 3);
      return {
        eventId,
        userId,
        type: 'purchase',
        timestamp,
        orderId: `vo-${n}`,
        currency: 'EUR',
        items: Array.from({ length: lines }, (_, i) => ({
          itemId: validItem((Math.floor(pick / VALID_USERS) + i * 7) % VALID_ITEMS),
          quantity: 1 + i,
          price: 4.5 + (pick % 50),
        })),
      };
    }
    const event: Record<string, unknown> = { eventId, userId, itemId, type: CLICK_TYPES[pick % CLICK_TYPES.length], timestamp };
    if (pick % 4 === 1) event.sessionId = `vs-${pick % 31}`;
    if (pick % 6 === 2) event.price = 9.99;
    return event;
  }
}
