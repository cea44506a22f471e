import { createHmac } from 'node:crypto';

/** Maps a user id as websites know it to the id every store, topic, metric and log line holds. */
export type Pseudonymize = (userId: string) => string;

/** Marks a pseudonym, so mapping one again returns it unchanged (see pseudonymizer). */
export const PSEUDONYM_PREFIX = '~';

/**
 * Base64url characters kept of the 256-bit HMAC: 22 characters are 132 bits. By the birthday bound,
 * n users collide with probability about n² / 2^133: below 10^-22 for a billion users, so two people
 * never share one history. Shorter would still be safe for small shops but saves nothing that matters.
 */
export const PSEUDONYM_CHARS = 22;

const PSEUDONYM_PATTERN = new RegExp(`^${PSEUDONYM_PREFIX}[A-Za-z0-9_-]{${PSEUDONYM_CHARS}}$`);

export function isPseudonym(id: string): boolean {
  return PSEUDONYM_PATTERN.test(id);
}

/**
 * Keyed HMAC-SHA256 pseudonyms, or the identity without a key. Idempotent: an id that already is a
 * pseudonym is kept, because records written by the collector carry pseudonyms while records websites
 * produce straight to Kafka carry original ids, and the engine cannot tell them apart otherwise; the
 * same holds for record keys, erasure checks and dead-letter keys.
 */
export function pseudonymizer(key: string | null): Pseudonymize {
  if (key === null) return (userId) => userId;
  return (userId) => {
    if (isPseudonym(userId)) return userId;
    const mac = createHmac('sha256', key).update(userId, 'utf8').digest('base64url');
    return `${PSEUDONYM_PREFIX}${mac.slice(0, PSEUDONYM_CHARS)}`;
  };
}
