import { createHash } from 'node:crypto';
import { isInCart, wasPurchased } from './history-entry.js';
import type { ModelState } from './state.js';
import type { ModelDigest } from './types.js';

/** ~9 significant digits, so float summation order does not change the hash. */
function num(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x === 0 ? 0 : x);
  return Number(x.toPrecision(9)).toString();
}

const byKey = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * SHA-256 over a canonical serialisation: users (with what their entries added to shared state), items,
 * counters, transitions and trending sorted by id, forward-decayed
 * values expressed at the latest event time (so the landmark t0 does not matter), neighbour lists
 * recomputed from the counters (so caching does not matter), floats rounded.
 */
export function computeDigest(model: ModelState): ModelDigest {
  const hash = createHash('sha256');
  const f = model.decay.valueFactor(model.maxTime);
  const f2 = f * f;
  hash.update('users\n');
  for (const [id, u] of [...model.users].sort(byKey)) {
    hash.update(JSON.stringify(id));
    const h = u.items;
    const slots = Array.from({ length: h.size }, (_, k): [string, number] => [h.idAt(k), k]);
    for (const [, k] of slots.sort(byKey)) {
      const flags = h.flagsAt(k);
      hash.update(`|${JSON.stringify(h.idAt(k))}:${num(h.weightAt(k) * f)}:${isInCart(flags) ? 1 : 0}${wasPurchased(flags) ? 1 : 0}`);
      hash.update(`:t${h.trendMinuteAt(k)}`);
      for (const [from, minute] of h.followsAt(k).sort(byKey)) hash.update(`<${JSON.stringify(from)}:${minute}`);
    }
    hash.update(`|p:${JSON.stringify([...u.purchased.keys()].sort())}|o:${u.rfm.orders}:${num(u.rfm.totalValue)}\n`);
  }
  hash.update('items\n');
  for (const [id, node] of [...model.similarity.nodes].sort(byKey)) {
    hash.update(`${JSON.stringify(id)}:${num(node.norm2 * f2)}:${node.lastTime}`);
    for (const [other, c] of [...node.counters.entries].sort(byKey)) {
      hash.update(`|${JSON.stringify(other)}:${num(c.count * f2)}:${c.n}:${num(c.err * f2)}:${c.users}`);
    }
    hash.update('|n');
    // Rounded scores, ties by id: neighbours with equal similarity come out in float-noise order.
    const row = model.similarity.computeRow(id, model.config.neighbors).map((s) => [s.itemId, num(s.score)] as const);
    row.sort((a, b) => Number(b[1]) - Number(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [itemId, score] of row) hash.update(`|${JSON.stringify(itemId)}:${score}`);
    hash.update('\n');
  }
  hash.update('transitions\n');
  for (const [id, t] of [...model.transitions.nodes].sort(byKey)) {
    hash.update(`${JSON.stringify(id)}:${num(t.total * f)}`);
    for (const [to, c] of [...t.next.entries].sort(byKey))
      hash.update(`|${JSON.stringify(to)}:${num(c.count * f)}:${num(c.err * f)}:${c.n}:${c.users}`);
    hash.update('\n');
  }
  hash.update('trending\n');
  const ft = model.trending.decay.valueFactor(model.maxTime);
  for (const [id, [value, count]] of [...model.trending.counts].sort(byKey))
    hash.update(`${JSON.stringify(id)}:${num(value * ft)}:${count}\n`);
  return {
    users: model.users.size,
    items: model.similarity.nodes.size,
    eventsApplied: model.eventsApplied,
    stateHash: hash.digest('hex'),
  };
}
