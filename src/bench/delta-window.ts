import type { ItemDeltaCounts } from './bench-engine.js';

/**
 * How far a producer may run ahead of the engines' item owners: while they owe more than `limit`
 * item deltas it must wait. Deltas lost before an owner read them stay owed for ever, so once the
 * owners have taken nothing for `stallMs`, what they still owe is written off (the run reports it as
 * unapplied) and the producer goes on.
 */
export class DeltaWindow {
  private writtenOff = 0;
  private taken = -1;
  private takenAt = 0;

  constructor(
    private readonly limit: number,
    private readonly stallMs: number,
  ) {}

  /** Whether the producer may go on, given the deltas counted since the run began, at `now` (ms). */
  allows(deltas: ItemDeltaCounts, now: number): boolean {
    const taken = deltas.applied + deltas.duplicate;
    if (taken !== this.taken) {
      this.taken = taken;
      this.takenAt = now;
    }
    const owed = deltas.sent - taken - this.writtenOff;
    if (owed <= this.limit) return true;
    if (now - this.takenAt < this.stallMs) return false;
    this.writtenOff += owed;
    return true;
  }
}
