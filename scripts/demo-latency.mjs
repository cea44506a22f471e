// Acceptance check for the demo: subscribe a WebSocket client to a shopper, POST a few events for
// them, and report how long after the POST answer a changed list arrives. Usage:
//   node scripts/demo-latency.mjs [http://localhost:8080] [userId] [rounds]
import WebSocket from 'ws';

const base = process.argv[2] ?? 'http://localhost:8080';
const userId = process.argv[3] ?? 'user-001';
const rounds = Number(process.argv[4] ?? 10);
const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream`);
const frames = [];
let waiter = null;
ws.on('message', (data) => {
  const frame = JSON.parse(String(data));
  frames.push({ frame, at: performance.now() });
  if (waiter?.match(frame)) {
    const w = waiter;
    waiter = null;
    w.resolve(performance.now());
  }
});
await new Promise((r) => ws.once('open', r));
const tokenRes = await fetch(`${base}/demo/token?userId=${encodeURIComponent(userId)}`).catch(() => null);
const token = tokenRes?.ok ? (await tokenRes.json()).token : null;
const next = (match) =>
  new Promise((resolve, reject) => {
    waiter = { match, resolve };
    setTimeout(() => reject(new Error('no frame within 5 s')), 5000);
  });
const first = next((f) => f.op === 'recommendations' && f.userId === userId);
ws.send(JSON.stringify({ op: 'subscribe', userId, ...(token ? { token } : {}) }));
await first;
let last = frames.at(-1).frame.recommendationId;
const catalog = await (await fetch(`${base}/demo/catalog.json`)).json();
const results = [];
for (let r = 0; r < rounds; r++) {
  const items = catalog.items.slice(r * 3, r * 3 + 3);
  const events = items.map((it, i) => ({
    eventId: `lat-${Date.now()}-${r}-${i}`,
    userId,
    timestamp: Date.now(),
    type: 'click',
    itemId: it.itemId,
  }));
  const changed = next((f) => f.op === 'recommendations' && f.userId === userId && f.recommendationId !== last);
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  const answered = performance.now();
  if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
  const at = await changed;
  last = frames.at(-1).frame.recommendationId;
  results.push(at - answered);
}
ws.close();
const order = results.map((x) => Math.round(x));
results.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    rounds,
    inOrder: order,
    msAfterPostAnswer: results.map((x) => Math.round(x * 10) / 10),
    max: Math.round(results.at(-1) * 10) / 10,
  }),
);
