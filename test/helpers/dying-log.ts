import { CHECKPOINT_KEY } from '../../src/engine/state-store.js';
import type { EventLog, OutgoingRecord } from '../../src/log/types.js';
import { processView, type ViewOptions } from './process-view.js';

export interface DyingLog<L extends EventLog> {
  /** The log as the process that dies sees it. */
  log: L;
  /** From now on, the next commit of `store` is the process's last. */
  arm: () => void;
  /** Resolves once the process has died. */
  died: Promise<void>;
  /** Stops the process after arming: it dies in the commit its stop writes. Resolves once it is gone. */
  stopDying: (process: { stop(): Promise<void> }) => Promise<void>;
}

/**
 * `log` as one process sees it that dies while writing a commit of the state store `store` (its
 * topic): of the produce carrying the commit's checkpoints, the first `landed` share of the records
 * before them land and the checkpoints never do; from then on nothing it writes lands (the process is
 * gone). A processView (`options` as its own): closing it leaves the log to the processes after it.
 */
export function dyingInCommit<L extends EventLog>(
  log: L,
  store: string,
  landed: number,
  options: Pick<ViewOptions, 'commitsLost'> = {},
): DyingLog<L> {
  let armed = false;
  let dead = false;
  let die = (): void => undefined;
  const died = new Promise<void>((resolve) => {
    die = resolve;
  });
  const checkpoint = (r: OutgoingRecord) => r.topic === store && r.key === CHECKPOINT_KEY;
  const produce = async (records: OutgoingRecord[], write: (records: OutgoingRecord[]) => Promise<void>): Promise<void> => {
    if (dead) throw new Error('the process is gone');
    if (!armed || !records.some(checkpoint)) return write(records);
    const before = records.filter((r) => !checkpoint(r));
    await write(before.slice(0, Math.round(before.length * landed)));
    dead = true;
    die();
    throw new Error('the process died writing its commit');
  };
  const arm = (): void => {
    armed = true;
  };
  const stopDying = async (process: { stop(): Promise<void> }): Promise<void> => {
    arm();
    // its stop fails with its log: the process is gone
    const stopped = process.stop().catch(() => undefined);
    await died;
    await stopped;
  };
  return { log: processView(log, { ...options, produce }).log, arm, died, stopDying };
}
