import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Checks collector write keys without leaking, through timing, how much of a guess was right: both
 * sides are hashed to equal length and every configured key is compared.
 */
export class WriteKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get required(): boolean {
    return this.digests.length > 0;
  }

  accepts(candidate: string | undefined): boolean {
    if (!this.required) return true;
    if (candidate === undefined || candidate === '') return false;
    const given = digest(candidate);
    let match = false;
    for (const d of this.digests) match = timingSafeEqual(d, given) || match;
    return match;
  }
}
