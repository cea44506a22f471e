/**
 * The users whose latest list this process made empty: made before the global table had rows to
 * fill it from, as when a backlog is learnt faster than the item owners publish rows (every list of
 * a catch-up can be empty). Such a list would stay the user's answer on every process, and on
 * subscribers' screens, until the user's next event. Each change of the table starts a pass that
 * offers every such user once to be made a list again; a user whose list is still empty waits for
 * the next change, so a list that cannot be filled costs nothing while the table stands still.
 */
export class EmptyLists {
  private readonly users = new Set<string>();
  /** The users of the pass under way, from `next` on. */
  private pass: string[] = [];
  private next = 0;
  /** The table's version the last pass started at. */
  private passVersion: number | null = null;

  /** The list this process just made for the user had `itemCount` items. */
  made(userId: string, itemCount: number): void {
    if (itemCount > 0) {
      if (this.users.size > 0) this.users.delete(userId);
    } else {
      this.users.add(userId);
    }
  }

  /** The user is no longer this process's to answer for (released, erased, forgotten). */
  forget(userId: string): void {
    this.users.delete(userId);
  }

  /** Forgets the users `released` names (their partitions went to another process). */
  forgetWhere(released: (userId: string) => boolean): void {
    for (const userId of this.users) if (released(userId)) this.users.delete(userId);
  }

  /**
   * Up to `max` users to make a list for again, the table being at `tableVersion`: the rest of the
   * pass under way, else a new pass if the table changed since the last one started.
   */
  take(tableVersion: number, max: number): string[] {
    if (this.next >= this.pass.length) {
      if (this.users.size === 0 || tableVersion === this.passVersion) return [];
      this.passVersion = tableVersion;
      this.pass = [...this.users];
      this.next = 0;
    }
    const taken: string[] = [];
    while (this.next < this.pass.length && taken.length < max) {
      const userId = this.pass[this.next++];
      // made a list with items meanwhile (or forgotten)
      if (this.users.has(userId)) taken.push(userId);
    }
    if (this.next >= this.pass.length) this.pass = [];
    return taken;
  }

  get size(): number {
    return this.users.size;
  }
}
