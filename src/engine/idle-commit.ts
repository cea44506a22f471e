/** A store is looked at this many times per STATE_COMMIT_MS, so an idle commit comes at most a fifth late. */
const CHECKS_PER_INTERVAL = 5;
const MIN_CHECK_MS = 50;

/**
 * A state store is written after a batch once STATE_COMMIT_MS has passed since its last write. When no
 * batch comes (the input quiet after a burst), what changed would wait for the next one: a restart
 * meanwhile replays it, and the first events after the pause wait behind a commit of the whole
 * burst. Kafka Streams commits on its interval whether or not records arrive; so does this: a few
 * times per interval, `ready()` says whether the store is due, has changes and no batch is being
 * applied, and then `commit` runs (never two at once). A failed commit is reported and tried again
 * at the next look. Returns the timer, for the owner to clear when it stops.
 */
export function commitWhenIdle(
  intervalMs: number,
  ready: () => boolean,
  commit: () => Promise<void>,
  failed: (err: unknown) => void,
): NodeJS.Timeout {
  let running = false;
  const look = (): void => {
    if (running || !ready()) return;
    running = true;
    commit()
      .catch(failed)
      .finally(() => {
        running = false;
      });
  };
  return setInterval(look, Math.max(MIN_CHECK_MS, Math.floor(intervalMs / CHECKS_PER_INTERVAL))).unref();
}
