import { describe, expect, it } from 'vitest';
import { coPartitionedAssign } from '../../src/log/assignment.js';

describe('co-partitioned assignment', () => {
  const topics = ['clicks', 'purchases'];
  const partitions = topics.flatMap((topic) => Array.from({ length: 6 }, (_, partition) => ({ topic, partition })));

  it('gives partition p of every input topic to one member, for any number of members', () => {
    for (let n = 1; n <= 7; n++) {
      const members = Array.from({ length: n }, (_, i) => ({ id: `m${i}`, topics }));
      const plan = coPartitionedAssign(members, partitions);
      const all = [...plan.values()].flat();
      expect(all.length).toBe(partitions.length);
      for (const tps of plan.values()) {
        const clicks = tps.filter((tp) => tp.topic === 'clicks').map((tp) => tp.partition);
        const purchases = tps.filter((tp) => tp.topic === 'purchases').map((tp) => tp.partition);
        expect(purchases).toEqual(clicks);
      }
      const sizes = [...plan.values()].map((tps) => tps.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2);
    }
  });

  it('skips a member for a topic it does not subscribe to', () => {
    const plan = coPartitionedAssign(
      [
        { id: 'a', topics: ['clicks'] },
        { id: 'b', topics },
      ],
      partitions,
    );
    expect(plan.get('a')!.every((tp) => tp.topic === 'clicks')).toBe(true);
    expect(plan.get('b')!.filter((tp) => tp.topic === 'purchases').length).toBe(6);
  });
});
