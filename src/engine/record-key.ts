import { describe } from '../events/fields.js';

/**
 * What is wrong with an input record's key for its event, or null when it is the user's id.
 *
 * Input topics are keyed by userId, so a user's events share one partition: the one whose owner holds
 * the user's state and duplicate ids, and by whose key a still-in-flight record of an erased user is
 * skipped. A record keyed otherwise (no key, another user's id) would put the user on two partitions,
 * so on two processes of a group, and apply live what a replay leaves out. Key and userId are compared
 * as produced, before pseudonyms: an outside producer uses the original id for both, the collector the
 * pseudonym for both.
 */
export function keyProblem(key: Buffer | null, userId: string): string | null {
  if (key !== null && isUtf8Of(key, userId)) return null;
  const given = key === null ? 'no key' : `key ${describe(key.toString('utf8'))}`;
  return `record has ${given}, not its userId ${describe(userId)}: input topics are keyed by userId`;
}

/** True when `bytes` are the UTF-8 of `s`; an ASCII `s` (ids usually are) is compared without encoding it. */
function isUtf8Of(bytes: Buffer, s: string): boolean {
  if (bytes.length < s.length) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return bytes.equals(Buffer.from(s, 'utf8'));
    if (bytes[i] !== c) return false;
  }
  return bytes.length === s.length;
}
