import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/log/partitioner.js';
import { mintToken } from '../../src/serve/tokens.js';
import { waitFor } from '../helpers/app.js';
import { type EngineProcess, spawnEngine, waitReady, withLogs } from '../helpers/engine-process.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';
import { createTopics, topicEnv, topicSet, Website } from '../kafka/website.js';

const mock = mockKafkaForFile();
const AUTH_SECRET = 'erasure-across-processes-secret';
const PSEUDONYMIZE_KEY = 'erasure-across-processes-pseudonym-key-0123456789';
const PARTITIONS = 4;
const MINUTE = 60_000;
const GROUP = 'erase-group';
const t = topicSet(GROUP);

interface Digest {
  users: number;
  eventsApplied: number;
  settled: boolean;
}

async function engine(env: Record<string, string> = {}): Promise<EngineProcess> {
  const p = await spawnEngine(
    {
      KAFKA_BROKERS: mock.cluster.bootstrap,
      GROUP_ID: GROUP,
      AUTH_SECRET,
      PSEUDONYMIZE_KEY,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_REBALANCE_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      ...topicEnv(t),
      ...env,
    },
    90_000,
  );
  mock.cleanups.push(() => p.stop('SIGKILL'));
  return p;
}

const digest = async (p: EngineProcess): Promise<Digest> => (await (await fetch(`${p.url}/v1/admin/digest`)).json()) as Digest;
const partitionsOf = async (p: EngineProcess): Promise<string[]> =>
  ((await (await fetch(`${p.url}/readyz`)).json()) as { partitions: string[] }).partitions;

/** Both processes have applied `events` between them and their tables have settled. */
async function applied(group: EngineProcess[], events: number): Promise<void> {
  const settled = (ds: Array<{ eventsApplied: number; settled: boolean }>): boolean =>
    ds.reduce((s, d) => s + d.eventsApplied, 0) >= events && ds.every((d) => d.settled);
  // Processes are asked one after the other: one may publish rows right after another said it had
  // read everything. Settled twice in a row, a publish interval apart, leaves no such row in flight.
  for (;;) {
    await waitFor(async () => Promise.all(group.map(digest)), settled, 60_000, 200);
    await new Promise((r) => setTimeout(r, 600));
    if (settled(await Promise.all(group.map(digest)))) return;
  }
}

async function list(p: EngineProcess, userId: string): Promise<{ items: Array<{ itemId: string; reasons: string[] }> }> {
  const res = await fetch(`${p.url}/v1/users/${encodeURIComponent(userId)}/recommendations?fresh=true`, {
    headers: { authorization: `Bearer ${mintToken(AUTH_SECRET, userId, 600)}` },
  });
  expect(res.status).toBe(200);
  return res.json() as never;
}

const similar = async (p: EngineProcess, itemId: string): Promise<string[]> =>
  ((await (await fetch(`${p.url}/v1/items/${itemId}/similar`)).json()) as { neighbors: Array<{ itemId: string }> }).neighbors.map(
    (n) => n.itemId,
  );

function trail(userId: string, items: string[], start: number): Array<Record<string, unknown>> {
  return items.map((itemId, k) => ({ eventId: `${userId}-${k}`, userId, type: 'view', itemId, timestamp: start + k * MINUTE }));
}

const fromSecretA = (rec: { items: Array<{ reasons: string[] }> }): string[] =>
  rec.items.flatMap((i) => i.reasons).filter((r) => r.endsWith(':secret-a'));

describe('erasure across the processes of a group, with pseudonyms', () => {
  it('DELETE on a process that does not hold the user erases them on the one that does, and they stay erased across a restart and rebalance', async () => {
    await createTopics(mock.cluster, t, PARTITIONS);
    let a = await engine();
    await waitReady(a.url, 90_000);
    let b = await engine({ SCHEMA_REGISTRY_URL: `${a.url}/registry` });
    await waitReady(b.url, 90_000);
    await waitFor(
      async () => [(await partitionsOf(a)).length, (await partitionsOf(b)).length],
      ([na, nb]) => na > 0 && nb > 0,
      60_000,
      200,
    );
    const site = new Website(mock.cluster.brokers, `${a.url}/registry`, t);
    await site.connect();
    mock.cleanups.push(() => site.close());

    // two people walked secret-a → secret-b → secret-c; one of them asks to be erased
    const erased = 'erased@example.com';
    const base = Date.now() - 3 * 60 * MINUTE;
    const events = [
      ...trail(erased, ['secret-a', 'secret-b', 'secret-c'], base),
      ...trail('other-f', ['secret-a', 'secret-b', 'secret-c'], base + 10 * MINUTE),
    ];
    await site.clicks(events);
    await applied([a, b], events.length);
    const visitor = trail('visitor-n', ['secret-a'], base + 40 * MINUTE);
    await site.clicks(visitor);

    // the process that holds the erased user (records keyed by the original id) and the other one
    const holdsErased = async (p: EngineProcess) => (await partitionsOf(p)).includes(`${t.clicks}/${partitionForKey(erased, PARTITIONS)}`);
    const holdsVisitor = async (p: EngineProcess) =>
      (await partitionsOf(p)).includes(`${t.clicks}/${partitionForKey('visitor-n', PARTITIONS)}`);
    // The starting point, awaited: on a busy machine a member can miss its heartbeats and the groups
    // rebalance after both processes said they had settled; partitions and item ownership move, and
    // the new owners publish their rows again, so it is read again after every such round.
    const start = async () => {
      await applied([a, b], events.length + 1);
      const visitorOwner = (await holdsVisitor(a)) ? a : b;
      return {
        reasons: fromSecretA(await list(visitorOwner, 'visitor-n')).length,
        similar: await Promise.all([a, b].map((p) => similar(p, 'secret-a'))),
      };
    };
    const before = await waitFor(
      start,
      (s) => s.reasons > 0 && s.similar.every((ids) => ids.includes('secret-b') && ids.includes('secret-c')),
      90_000,
      500,
    );
    expect(before.reasons).toBeGreaterThan(0);
    for (const ids of before.similar) expect(ids).toEqual(expect.arrayContaining(['secret-b', 'secret-c']));
    const [owner, other] = (await holdsErased(a)) ? [a, b] : [b, a];
    const usersBefore = (await digest(owner)).users;

    expect((await fetch(`${other.url}/v1/users/${encodeURIComponent(erased)}`, { method: 'DELETE' })).status).toBe(204);
    // the owner reads the erasure from the changelog, forgets the user and takes their pairs back
    await waitFor(
      () => digest(owner),
      (d) => d.users === usersBefore - 1 && d.settled,
      30_000,
      200,
    );
    const checkErased = async (): Promise<void> => {
      for (const p of [a, b]) {
        await waitFor(
          () => similar(p, 'secret-a'),
          (s) => !s.includes('secret-b'),
          30_000,
          200,
        );
        expect(await similar(p, 'secret-a')).toEqual([]);
        const theirs = await list(p, erased);
        expect(theirs.items.flatMap((i) => i.reasons).filter((r) => r !== 'trending')).toEqual([]);
      }
      const later = trail(`visitor-${Date.now()}`, ['secret-a'], base + 50 * MINUTE);
      await site.clicks(later);
      const newcomer = later[0].userId as string;
      const holder = (await partitionsOf(a)).includes(`${t.clicks}/${partitionForKey(newcomer, PARTITIONS)}`) ? a : b;
      await waitFor(
        async () => (await digest(holder)).settled,
        (s) => s,
        30_000,
        200,
      );
      expect(fromSecretA(await list(holder, newcomer))).toEqual([]);
    };
    await withLogs([a, b], checkErased());

    // a restart of both: partitions move between processes as they rejoin, and state is rebuilt
    await a.stop('SIGTERM');
    await b.stop('SIGTERM');
    // the first one serves the schema registry again (its own schemas come back under the same ids)
    a = await engine();
    await waitReady(a.url, 90_000);
    b = await engine({ SCHEMA_REGISTRY_URL: `${a.url}/registry` });
    await waitReady(b.url, 90_000);
    // replayed: the two trails, the visitor and the newcomer, less the erased user's three events (a
    // process that held a partition before the second joined keeps counting what it replayed of it)
    await applied([a, b], events.length + 2 - 3);
    await withLogs([a, b], checkErased());
  }, 300_000);
});
