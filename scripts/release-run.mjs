// How long the item side takes to let go of the items of moved partitions (a rebalance's revocation,
// which holds the event loop): a model learns the bench's full-size history (100,000 users, 20,000
// items), then releases every other item it holds. Prints the items released, the milliseconds and
// the trending list's head (which must not depend on the tree). Run after `npm run build`:
//   node scripts/release-run.mjs [--root DIR] [--runs N]
// --root: the built tree to load (another checkout's, for alternated comparisons); --runs: models
// made and released, one after another in this process (default 1).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, runs: { type: 'string' } } });
const root = resolve(values.root ?? join(import.meta.dirname, '..'));
const load = (path) => import(join(root, 'dist', path));
const { syntheticHistory } = await load('bench/workload.js');
const { FULL_SIZES: sizes } = await load('bench/sizes.js');
const { Recommender } = await load('model/index.js');

const history = syntheticHistory({
  seed: 'throughput',
  users: sizes.throughputUsers,
  items: sizes.throughputItems,
  events: sizes.throughputEvents,
  idPrefix: 'bench-',
});
for (let run = 0; run < Number(values.runs ?? 1); run++) {
  const model = new Recommender({});
  for (const event of history) model.learnOne(event);
  let seen = 0;
  const started = performance.now();
  const released = model.items.release(() => seen++ % 2 === 0, []);
  const ms = performance.now() - started;
  console.log(JSON.stringify({ released, ms: Math.round(ms), trendingHead: model.items.topTrending().slice(0, 3) }));
}
