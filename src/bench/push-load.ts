import WebSocket from 'ws';
import type { TrackingEvent } from '../events/types.js';
import { mintToken } from '../serve/tokens.js';
import { type BenchEngine, coresBetween, fullCollectionsBetween, type PushSnapshot } from './bench-engine.js';
import { addBuckets, histogramQuantileMs } from './histogram.js';
import { percentile, round1, sleep } from './stats.js';
import { LiveEvents } from './workload.js';

/** Sends one tick's events into the engine (collector POST, or Avro into the log/Kafka). */
export type EventSender = (events: TrackingEvent[]) => Promise<void>;

export interface PushLoadOptions {
  /** WebSocket clients, each subscribed to its own user on one of the engines (round-robin). */
  clients: number;
  /** Events per second over all those users, round-robin. */
  rate: number;
  seconds: number;
  send: EventSender;
  /**
   * Events are handed to `send` in batches every `tickMs` (20 when absent). A collector client posts
   * each tick's batch; a lingering producer (senders.ts) takes them every 1 ms and does its own batching.
   */
  tickMs?: number;
  /** The sender's linger, for the report. */
  lingerMs?: number;
  /** Resolves once everything given to `send` has been written (a sender that only queues). */
  flushed?: () => Promise<void>;
  /** How the events reach the engine, for the report. */
  via: string;
  /** Distinguishes this run's users and event ids from earlier runs on the same engine. */
  runId: string;
  progress?: (line: string) => void;
}

export interface PushLoadResult {
  clients: number;
  rate: number;
  /** Achieved send rate (events sent ÷ sending time). */
  sentRate: number;
  seconds: number;
  events: number;
  /** Users that were sent at least one event. */
  expected: number;
  /**
   * Of those, users who received the frame of their last event. (A later frame may still carry an
   * older trigger: see staleFrames.)
   */
  delivered: number;
  /** Frames that carried the list of a sent event (the rest were coalesced into later frames). */
  framesForEvents: number;
  /** Frames for an event the client had already had a frame for. */
  duplicateFrames: number;
  /**
   * Frames triggered by an older event of the user arriving after a newer event's frame. On Kafka a
   * user's clicks and purchases are different topics with no order between them, so the engine can
   * handle a purchase before an earlier click and push the click's list second.
   */
  staleFrames: number;
  /** Event time (send time) → frame arrival at the client. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * The same, by the second of the run its event was sent in: a tail made in a few seconds (a state
   * commit, a full collection) shows as those seconds, one of an engine that cannot keep up as
   * seconds that grow.
   */
  bySecond: SecondLatency[];
  /** The servers' own recstream_event_to_push_seconds over the run, all engines together (bucket-interpolated). */
  serverP50Ms: number | null;
  serverP99Ms: number | null;
  /**
   * CPU the engines' processes used from the first event sent until the last frame arrived, per
   * second of that time, in cores (all engines together): about 1 per engine is an engine that could
   * not keep up, and its latency is a queue's. Null when an engine's metrics have no process CPU.
   */
  engineCores: number | null;
  /**
   * V8's full collections in the engines' processes over the same time (all engines together): each
   * marks the whole heap, and the seconds it falls in are the run's worst. Null when an engine has no
   * count.
   */
  engineFullCollections: number | null;
  via: string;
  /** How long the sender lingers to batch events into one request (0 = the tick's batch is posted at once). */
  lingerMs: number;
}

interface Watched {
  userId: string;
  socket: WebSocket;
  lastSent: string | null;
  /** Send order of the newest event a frame arrived for. */
  newestSeen: number;
  seen: Set<string>;
}

const CONNECT_CONCURRENCY = 100;
const SEND_TICK_MS = 20;
const DRAIN_TIMEOUT_MS = 15_000;

async function connectClient(
  url: string,
  userId: string,
  token: string | null,
  onFrame: (w: Watched, data: string) => void,
): Promise<Watched> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const watched: Watched = { userId, socket, lastSent: null, newestSeen: -1, seen: new Set() };
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const first = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench: no answer to the subscription of ${userId}`)), 30_000);
    socket.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.on('message', (data) => onFrame(watched, String(data)));
  socket.on('error', () => {
    /* counted as undelivered */
  });
  socket.send(JSON.stringify({ op: 'subscribe', userId, ...(token === null ? {} : { token }) }));
  await first;
  return watched;
}

export interface SecondLatency {
  /** Seconds since the first event was sent. */
  second: number;
  /** Latency samples of events sent in it. */
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Latency samples grouped by the second (of the run) their event was sent in. */
function bySecond(samples: ReadonlyArray<readonly [sentMs: number, latencyMs: number]>): SecondLatency[] {
  const seconds: number[][] = [];
  for (const [sent, latency] of samples) (seconds[Math.floor(sent / 1000)] ??= []).push(latency);
  return seconds.flatMap((latencies, second) =>
    latencies === undefined
      ? []
      : [
          {
            second,
            events: latencies.length,
            p50Ms: round1(percentile(latencies, 50)),
            p99Ms: round1(percentile(latencies, 99)),
            maxMs: round1(percentile(latencies, 100)),
          },
        ],
  );
}

/**
 * Event → push latency under load: `clients` WebSocket clients on loopback each watch one user,
 * connected to the engines in turn (with several processes of one group, a client's user is as often
 * owned by another process than by the one it is connected to); events for those users are sent at
 * `rate` per second, stamped with the send time, and each frame whose triggerEventId is a sent event
 * gives one latency sample at its arrival.
 */
export async function runPushLoad(engines: readonly BenchEngine[], options: PushLoadOptions): Promise<PushLoadResult> {
  const sentAt = new Map<string, { at: number; order: number }>();
  /** [sent, latency] of every sample. */
  const timed: Array<[number, number]> = [];
  let firstSent = Number.POSITIVE_INFINITY;
  let duplicateFrames = 0;
  let staleFrames = 0;
  const onFrame = (w: Watched, data: string): void => {
    const arrived = Date.now();
    let frame: { op?: unknown; triggerEventId?: unknown };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    if (frame.op !== 'recommendations' || typeof frame.triggerEventId !== 'string') return;
    const sent = sentAt.get(frame.triggerEventId);
    if (sent === undefined) return;
    if (w.seen.has(frame.triggerEventId)) duplicateFrames++;
    else timed.push([sent.at, arrived - sent.at]);
    w.seen.add(frame.triggerEventId);
    if (sent.order < w.newestSeen) staleFrames++;
    w.newestSeen = Math.max(w.newestSeen, sent.order);
  };

  const connect = (userId: string, index: number): Promise<Watched> => {
    const engine = engines[index % engines.length]!;
    const url = `${engine.url.replace(/^http/, 'ws')}/v1/stream`;
    const token = engine.authSecret === null ? null : mintToken(engine.authSecret, userId, 3600);
    return connectClient(url, userId, token, onFrame);
  };
  const snapshots = (): Promise<PushSnapshot[]> => Promise.all(engines.map((e) => e.pushSnapshot()));
  const users = Array.from({ length: options.clients }, (_, i) => `bench-${options.runId}-${i}`);
  const watched: Watched[] = [];
  for (let at = 0; at < users.length; at += CONNECT_CONCURRENCY) {
    const group = users.slice(at, at + CONNECT_CONCURRENCY);
    watched.push(...(await Promise.all(group.map((u, i) => connect(u, at + i)))));
  }
  options.progress?.(
    `${watched.length} clients subscribed${engines.length > 1 ? ` over ${engines.length} processes` : ''}; sending ${options.rate} events/s for ${options.seconds} s via ${options.via}`,
  );

  const live = new LiveEvents(`push-${options.runId}`, `push-${options.runId}-`);
  const before = await snapshots();
  const total = Math.round(options.rate * options.seconds);
  let sent = 0;
  const started = performance.now();
  const tickMs = options.tickMs ?? SEND_TICK_MS;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000));
    // Senders batch: a website posts what a tick gathered, a producer lingers (senders.ts) — never
    // one request per event. librdkafka's mock broker hands out one producer batch per partition
    // per fetch, so single-event requests would measure its fetch loop rather than the engine.
    if (due <= sent || (due < total && due - sent < options.rate * (tickMs / 1000))) {
      await sleep(2);
      continue;
    }
    const now = Date.now();
    firstSent = Math.min(firstSent, now);
    const batch: TrackingEvent[] = [];
    for (; sent < due; sent++) {
      const w = watched[sent % watched.length]!;
      const event = live.for(w.userId, now);
      sentAt.set(event.eventId, { at: now, order: sent });
      w.lastSent = event.eventId;
      batch.push(event);
    }
    await options.send(batch);
  }
  await options.flushed?.();
  const sendingMs = performance.now() - started;

  const targets = watched.filter((w) => w.lastSent !== null);
  const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < drainDeadline && targets.some((w) => !w.seen.has(w.lastSent!))) await sleep(20);
  const after = await snapshots();
  const histogramBefore = addBuckets(before.map((s) => s.buckets));
  const histogramAfter = addBuckets(after.map((s) => s.buckets));
  await Promise.all(
    watched.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.socket.readyState === WebSocket.CLOSED) return resolve();
          w.socket.once('close', () => resolve());
          w.socket.close();
        }),
    ),
  );

  const latencies = timed.map(([, latency]) => latency);
  return {
    clients: options.clients,
    rate: options.rate,
    sentRate: Math.round((sent * 1000) / sendingMs),
    seconds: options.seconds,
    events: sent,
    expected: targets.length,
    delivered: targets.filter((w) => w.seen.has(w.lastSent!)).length,
    framesForEvents: latencies.length,
    duplicateFrames,
    staleFrames,
    p50Ms: round1(percentile(latencies, 50)),
    p99Ms: round1(percentile(latencies, 99)),
    maxMs: round1(percentile(latencies, 100)),
    bySecond: bySecond(timed.map(([at, latency]) => [at - firstSent, latency] as const)),
    serverP50Ms: histogramQuantileMs(histogramBefore, histogramAfter, 0.5),
    serverP99Ms: histogramQuantileMs(histogramBefore, histogramAfter, 0.99),
    engineCores: coresUsed(before, after),
    engineFullCollections: fullCollectionsBetween(before, after),
    via: options.via,
    lingerMs: options.lingerMs ?? 0,
  };
}

/** CPU seconds per wall second between two snapshots of every engine, summed over the engines. */
function coresUsed(before: readonly PushSnapshot[], after: readonly PushSnapshot[]): number | null {
  let cores = 0;
  for (let i = 0; i < before.length; i++) {
    const used = coresBetween(before[i]!, after[i]!);
    if (used === null) return null;
    cores += used;
  }
  return Math.round(cores * 100) / 100;
}
