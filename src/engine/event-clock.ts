/**
 * The engine's "now" in event time: the newest applied event time, for on-demand lists and idle
 * expiry. Event times come from producers, so it never runs more than `maxFutureMs` past the wall
 * clock: one event stamped far ahead must not age (and expire) every other user.
 */
export class EventClock {
  private newest = 0;

  constructor(
    private readonly maxFutureMs: number,
    private readonly wall: () => number,
  ) {}

  observe(eventTime: number): void {
    const bounded = Math.min(eventTime, this.wall() + this.maxFutureMs);
    if (bounded > this.newest) this.newest = bounded;
  }

  /** Newest event time seen, or the wall clock before any; bounded again as the wall clock may step back. */
  now(): number {
    const wall = this.wall();
    return this.newest === 0 ? wall : Math.min(this.newest, wall + this.maxFutureMs);
  }
}
