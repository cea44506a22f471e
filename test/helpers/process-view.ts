import type { ConsumerOptions, EventLog, OutgoingRecord } from '../../src/log/types.js';

export interface ViewOptions {
  /** A topic whose reads wait until `open` is called. */
  hold?: string;
  /** While true, writes to `lostTopic` are lost, as if the process died before making them. */
  losesState?: () => boolean;
  lostTopic?: string;
  /** Stands in for the process's writes: gets the records and the log's own produce. */
  produce?: (records: OutgoingRecord[], write: (records: OutgoingRecord[]) => Promise<void>) => Promise<void>;
  /**
   * The process's group commits never land where the next process reads them (a crash after its
   * batches and state records were written, before the consumer's asynchronous commit): its consumers
   * commit, and read their commits, under another group id.
   */
  commitsLost?: boolean;
}

/**
 * `log` as one process sees it: closing it leaves it to the next process (the app closes its log when
 * it stops); `hold`, `losesState`, `produce` and `commitsLost` as their comments say.
 */
export function processView<L extends EventLog>(log: L, options: ViewOptions = {}): { log: L; reached: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let reach = (): void => undefined;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const view = new Proxy(log, {
    get(target, name) {
      if (name === 'close') return async () => undefined;
      if (name === 'readRange' && options.hold !== undefined)
        return async (...args: Parameters<EventLog['readRange']>) => {
          if (args[0].topic === options.hold) {
            reach();
            await opened;
          }
          return target.readRange(...args);
        };
      if (name === 'consumer' && options.commitsLost === true)
        return (consumer: ConsumerOptions) => target.consumer({ ...consumer, groupId: `${consumer.groupId}.lost` });
      if (name === 'produce' && options.produce !== undefined)
        return (records: OutgoingRecord[]) => options.produce?.(records, (kept) => target.produce(kept));
      if (name === 'produce' && options.losesState !== undefined)
        return async (records: OutgoingRecord[]) => {
          const kept = options.losesState?.() ? records.filter((r) => r.topic !== options.lostTopic) : records;
          if (kept.length > 0) await target.produce(kept);
        };
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { log: view, reached, open };
}
