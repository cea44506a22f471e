/**
 * The storefronts and the website of one push-load run, as a process of their own (push-load-process.ts
 * starts it): what arrives on its IPC channel is the run, what goes back is progress and the result.
 */
import { scrapedEngine } from './bench-engine.js';
import { runPushLoad } from './push-load.js';
import type { CollectorLoad, LoadMessage } from './push-load-process.js';
import { collectorSender } from './senders.js';

function reply(message: LoadMessage): void {
  process.send?.(message);
}

process.once('message', (load: CollectorLoad) => {
  const engines = load.engines.map((e) => scrapedEngine(e.url, e.authSecret));
  runPushLoad(engines, {
    ...load.options,
    send: collectorSender(load.engines[0]!.url),
    progress: (line) => reply({ progress: line }),
  }).then(
    (result) => reply({ result }),
    (err: unknown) => reply({ failure: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
