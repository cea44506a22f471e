import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/serve/rate-limit.js';

describe('TokenBuckets', () => {
  it('allows a burst of perMinute, then refuses with the seconds until the next token', () => {
    let now = 1_000_000;
    const buckets = new TokenBuckets(60, () => now);
    for (let i = 0; i < 60; i++) expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1000;
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a').allowed).toBe(false);
  });

  it('keeps keys apart', () => {
    const now = 0;
    const buckets = new TokenBuckets(2, () => now);
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('never refuses when the limit is 0 (off)', () => {
    const buckets = new TokenBuckets(0);
    for (let i = 0; i < 10_000; i++) expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.size).toBe(0);
  });

  it('forgets keys whose bucket has refilled, so memory follows active keys only', () => {
    let now = 0;
    const buckets = new TokenBuckets(10, () => now);
    for (let i = 0; i < 1000; i++) buckets.take(`ip-${i}`);
    expect(buckets.size).toBe(1000);
    now += 61_000;
    buckets.take('fresh');
    expect(buckets.size).toBe(1);
  });
});
