/**
 * The user side's writes to the log (lists, item deltas, dead letters), in order, with one produce in
 * flight: what batches hand over while it flies goes out together in the next one, as a Kafka
 * producer batches while it waits on the broker. The consumer goes on learning meanwhile instead of
 * waiting out one acknowledgement per batch, and commits a batch only once its records are durable.
 *
 * A produce that fails is tried again, the same records first, so nothing is dropped or reordered;
 * once the queue is closing, a failure rejects what waits instead (stopping must not hang on a dead
 * broker, and a rejected batch is not committed).
 */
import { Backoff } from '../log/signal.js';
import type { OutgoingRecord } from '../log/types.js';

interface Waiting {
  records: OutgoingRecord[];
  durable: () => void;
  failed: (err: unknown) => void;
}

export interface OutputQueueOptions {
  produce: (records: OutgoingRecord[]) => Promise<void>;
  /** A produce failed and will be tried again. */
  onRetry: (err: unknown, records: number) => void;
  /** Records waiting beyond which `room()` holds the sender back. */
  maxWaiting: number;
}

export class OutputQueue {
  private waiting: Waiting[] = [];
  private waitingRecords = 0;
  private flying: Promise<void> | null = null;
  private closing = false;
  private readonly backoff = new Backoff(100, 5_000);
  private roomWaiters: Array<() => void> = [];

  constructor(private readonly options: OutputQueueOptions) {}

  /** Queues the records; the promise resolves once the log acknowledged them (and every record queued before). */
  send(records: OutgoingRecord[]): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => {
      this.waiting.push({ records, durable: resolve, failed: reject });
    });
    this.waitingRecords += records.length;
    this.flying ??= this.fly();
    return durable;
  }

  /** Resolves when fewer records than `maxWaiting` wait: a sender ahead of the log slows down to it. */
  room(): Promise<void> {
    if (this.waitingRecords < this.options.maxWaiting) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once everything sent so far is durable (or, closing, has failed). */
  async drained(): Promise<void> {
    while (this.flying !== null) await this.flying;
  }

  /** From now on a failed produce rejects what waits instead of trying again; then drains. */
  async close(): Promise<void> {
    this.closing = true;
    this.backoff.cancel();
    await this.drained();
  }

  private async fly(): Promise<void> {
    // a flight of only empty sends would otherwise end before send() has recorded it as flying
    await undefined;
    while (this.waiting.length > 0) {
      const taken = this.waiting;
      this.waiting = [];
      const records = taken.length === 1 ? taken[0].records : taken.flatMap((w) => w.records);
      try {
        // a batch with nothing to write waits for those before it all the same: its commit must not pass theirs
        if (records.length > 0) await this.options.produce(records);
      } catch (err) {
        if (this.closing) {
          for (const w of [...taken, ...this.waiting]) w.failed(err);
          this.waiting = [];
          this.waitingRecords = 0;
          this.releaseRoom();
          break;
        }
        this.options.onRetry(err, records.length);
        this.waiting = [...taken, ...this.waiting];
        await this.backoff.sleep();
        continue;
      }
      this.backoff.reset();
      this.waitingRecords -= records.length;
      for (const w of taken) w.durable();
      this.releaseRoom();
    }
    this.flying = null;
  }

  private releaseRoom(): void {
    if (this.waitingRecords >= this.options.maxWaiting) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
