import { describe, expect, it } from 'vitest';
import { EmptyLists } from '../../src/engine/empty-lists.js';

describe('EmptyLists', () => {
  it('offers each user whose list was empty once per change of the table, at most max a turn', () => {
    const empty = new EmptyLists();
    for (const user of ['a', 'b', 'c']) empty.made(user, 0);
    empty.made('d', 4);
    expect(empty.size).toBe(3);
    expect(empty.take(1, 2)).toEqual(['a', 'b']);
    expect(empty.take(1, 2)).toEqual(['c']);
    // the pass is over and the table has not changed since it started
    expect(empty.take(1, 2)).toEqual([]);
    expect(empty.take(2, 10)).toEqual(['a', 'b', 'c']);
    expect(empty.take(2, 10)).toEqual([]);
  });

  it('leaves out users whose list has items or who are forgotten, also in a pass under way', () => {
    const empty = new EmptyLists();
    for (const user of ['a', 'b', 'c', 'd']) empty.made(user, 0);
    expect(empty.take(1, 1)).toEqual(['a']);
    empty.made('b', 3);
    empty.forget('c');
    expect(empty.take(1, 10)).toEqual(['d']);
    expect(empty.size).toBe(2);
    empty.made('a', 2);
    empty.made('d', 1);
    expect(empty.size).toBe(0);
    expect(empty.take(2, 10)).toEqual([]);
  });

  it('forgets the users of partitions let go, also in a pass under way', () => {
    const empty = new EmptyLists();
    for (const user of ['a', 'b', 'c']) empty.made(user, 0);
    expect(empty.take(1, 1)).toEqual(['a']);
    empty.forgetWhere((user) => user !== 'c');
    expect(empty.size).toBe(1);
    expect(empty.take(1, 10)).toEqual(['c']);
  });

  it('a user whose list is still empty after a pass waits for the next change', () => {
    const empty = new EmptyLists();
    empty.made('a', 0);
    expect(empty.take(5, 10)).toEqual(['a']);
    empty.made('a', 0);
    expect(empty.take(5, 10)).toEqual([]);
    expect(empty.take(6, 10)).toEqual(['a']);
  });
});
