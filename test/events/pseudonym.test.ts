import { describe, expect, it } from 'vitest';
import { isPseudonym, PSEUDONYM_CHARS, pseudonymizer } from '../../src/events/pseudonym.js';

describe('pseudonymizer', () => {
  const key = 'a'.repeat(32);

  it('maps an id to the same keyed pseudonym every time, and another key to another one', () => {
    const p = pseudonymizer(key)('alice@example.com');
    expect(p).toBe(pseudonymizer(key)('alice@example.com'));
    expect(p).toMatch(new RegExp(`^~[A-Za-z0-9_-]{${PSEUDONYM_CHARS}}$`));
    expect(isPseudonym(p)).toBe(true);
    expect(pseudonymizer('b'.repeat(32))('alice@example.com')).not.toBe(p);
    expect(pseudonymizer(key)('bob@example.com')).not.toBe(p);
  });

  it('keeps a pseudonym as it is, so records mapped at the collector are not mapped twice', () => {
    const map = pseudonymizer(key);
    const p = map('alice@example.com');
    expect(map(p)).toBe(p);
    // something that only resembles one is mapped
    expect(map(`${p}x`)).not.toBe(`${p}x`);
  });

  it('is the identity without a key', () => {
    expect(pseudonymizer(null)('alice@example.com')).toBe('alice@example.com');
  });
});
