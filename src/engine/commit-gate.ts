/**
 * A side's state commits, one at a time. Batches wait at a commit only until it has taken its
 * offsets and the keys it owes, not for its writing: `opened` resolves then (or when the commit
 * ends, failed or with nothing to do). `ended` is the last commit asked for, its failure swallowed
 * (a rebalance or a restore waits for it); `running` counts the commits asked for and not ended.
 */
export class CommitGate {
  opened: Promise<void> = Promise.resolve();
  ended: Promise<void> = Promise.resolve();
  running = 0;

  /** Runs `commit` after the commits before it; `commit` calls `owing` once it has taken what it owes. */
  run(commit: (owing: () => void) => Promise<void>): Promise<void> {
    let open = (): void => undefined;
    this.opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.running++;
    const run = this.ended.then(() => commit(open));
    // a commit that failed or had nothing to do lets batches go too
    void run
      .finally(() => {
        open();
        this.running--;
      })
      .catch(() => undefined);
    this.ended = run.catch(() => undefined);
    return run;
  }
}
