import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { ListFollower } from '../../src/engine/list-follower.js';
import { GENERATED_AT_HEADER, ORIGIN_HEADER } from '../../src/engine/pipeline.js';
import { MemoryLog } from '../../src/log/memory.js';
import { silentLogger } from '../../src/logger.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { startPeer, userOf } from '../helpers/peer-engine.js';
import { readTopic } from '../helpers/topics.js';
import { TestClient } from '../serve/ws-client.js';

const TOPIC = 'recommendations';
/** Longer than the follower's interval between two notes of where the lists end. */
const A_NOTE_LATER_MS = 1_300;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the recommendations follower of a process that holds every input partition', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function setUp() {
    const log = new MemoryLog({ partitions: 2 });
    await log.connect();
    await log.ensureTopics([{ topic: TOPIC, partitions: 2 }]);
    const read: string[] = [];
    let held: Promise<void> = Promise.resolve();
    let release = (): void => undefined;
    const follower = new ListFollower(
      log,
      TOPIC,
      'group',
      async (batch) => {
        await held;
        for (const r of batch.records) read.push(r.value!.toString());
      },
      silentLogger(),
    );
    stops.push(async () => {
      release();
      await follower.stop();
      await log.close();
    });
    await follower.start();
    return {
      follower,
      read,
      list: (value: string, partition: number) => log.produce([{ topic: TOPIC, key: null, value: Buffer.from(value), partition }]),
      hold: () => {
        held = new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      release: () => release(),
    };
  }

  it('reads on past the lists made before it became alone, on every partition, then reads none', async () => {
    const { follower, read, list, hold, release } = await setUp();
    // the previous owners' last lists, still unread when the process is given every partition
    hold();
    await list('before-0', 0);
    await list('before-1', 1);
    await follower.joined(true);
    expect(follower.idle).toBe(false);
    release();
    await waitFor(
      () => follower.idle,
      (idle) => idle,
    );
    expect(read.sort()).toEqual(['before-0', 'before-1']);

    await list('its-own', 0);
    await sleep(300);
    expect(read).not.toContain('its-own');
  });

  it('reads again once another process holds input partitions, from the last end noted before the rebalance began', async () => {
    const { follower, read, list } = await setUp();
    await follower.joined(true);
    await waitFor(
      () => follower.idle,
      (idle) => idle,
    );
    await list('its-own', 0);
    await sleep(A_NOTE_LATER_MS);
    // the rebalance that gives another process partitions begins; that process makes a list
    follower.rebalancing();
    await list('the-new-owners', 1);
    // an end noted now lies past that list: it must not count
    await sleep(A_NOTE_LATER_MS);
    await follower.joined(false);
    await waitFor(
      () => read,
      (r) => r.includes('the-new-owners'),
    );
    expect(read).not.toContain('its-own');
    await list('the-new-owners-next', 0);
    await waitFor(
      () => read,
      (r) => r.includes('the-new-owners-next'),
    );
  });
});

describe('an engine alone in its group', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
  });

  it('reads no list back, and follows another engine’s lists once that engine joins its group', async () => {
    const app = await startTestApp();
    apps.push(app);
    // a list stamped by another engine for a user no client here subscribes to: held as it is read
    const seed = `alone-seed-${randomUUID()}`;
    expect(
      (await postEvents(app, [{ eventId: randomUUID(), userId: seed, itemId: 'i1', type: 'click', timestamp: Date.now() }])).body.accepted,
    ).toBe(1);
    const own = (
      await waitFor(
        () => readTopic(app.log, 'recommendations'),
        (r) => r.some((x) => x.key?.toString() === seed),
      )
    ).find((x) => x.key?.toString() === seed)!;
    const stranger = `alone-stranger-${randomUUID()}`;
    await app.log.produce([
      {
        topic: own.topic,
        key: stranger,
        value: own.value,
        headers: { [ORIGIN_HEADER]: randomUUID(), [GENERATED_AT_HEADER]: String(Date.now()) },
      },
    ]);
    await sleep(500);
    expect(app.engine.recommendationsFor(stranger).userId).toBe(stranger);
    expect(app.engine.recommendationsFor(stranger).recommendationId).not.toBe(app.engine.recommendationsFor(seed).recommendationId);

    const peer = await startPeer(app);
    apps.push(peer);
    // a user the peer learns: their lists reach a client of this engine only through the topic
    const userId = userOf(peer, 'alone-peer');
    const client = await TestClient.connect(`${app.url.replace(/^http/, 'ws')}/v1/stream`);
    client.send({ op: 'subscribe', userId });
    await client.next((f) => f.op === 'recommendations');
    const click = { eventId: randomUUID(), userId, itemId: 'i2', type: 'click', timestamp: Date.now() };
    expect((await postEvents(peer, [click])).body.accepted).toBe(1);
    await client.next((f) => f.triggerEventId === click.eventId);
    client.socket.close();
  });
});
