/**
 * V8 settings the engine runs with whatever node was started with (heap sizes are node's flags:
 * README, "Node's heap").
 */
import { setFlagsFromString } from 'node:v8';

/**
 * No allocation-site pretenuring. V8 starts allocating a site's objects straight in the old
 * generation once many of them outlived a young collection. A backlog (the bench's pipeline, a
 * restart's replay, a burst) makes the engine's per-batch objects — item deltas above all — live
 * that long; caught up, they went on being allocated old and dying there, a third of what the old
 * generation's collections had to take, until the process ended. Without it the embedded pipeline ran
 * 8–24 % faster in seven of eight alternated pairs (docs/BENCHMARKS.md).
 */
export function tuneHeap(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
