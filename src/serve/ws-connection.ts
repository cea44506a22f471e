import { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import type { ErrorFrame } from './ws-protocol.js';

interface PendingList {
  frame: string;
  eventTime: number | undefined;
}

/** Per subscription: at most one list waiting for the socket to drain (latest wins). */
export interface Subscription {
  pending: PendingList | null;
  /** When the token it was made with expires (epoch millis); null when subscriptions are open. */
  expiresAt: number | null;
}

export interface ConnectionLoad {
  subscriptions: number;
  pendingLists: number;
  pendingBytes: number;
  bufferedAmount: number;
}

/**
 * One WebSocket client and its subscriptions. Sends go straight out while the socket's bufferedAmount
 * is at or below `highWaterBytes`; above it each subscription keeps only its newest list, which is
 * sent once writes drain. So a client that never reads costs at most highWaterBytes + one frame of
 * socket buffer plus one frame per subscription, however fast lists are produced.
 */
export class WsConnection {
  readonly subscriptions = new Map<string, Subscription>();
  /** Cleared on every ping; a connection still false at the next ping missed its pong. */
  alive = true;

  constructor(
    readonly socket: WebSocket,
    private readonly metrics: Metrics,
    private readonly highWaterBytes: number,
    private readonly clock: () => number,
  ) {}

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  private get congested(): boolean {
    return this.socket.bufferedAmount > this.highWaterBytes;
  }

  /** Delivers a serialized `recommendations` frame for a user this connection subscribes to. */
  deliver(userId: string, frame: string, eventTime: number | undefined): void {
    const sub = this.subscriptions.get(userId);
    if (sub === undefined || !this.open) return;
    if (sub.pending !== null) this.metrics.wsDroppedTotal.inc({ reason: 'coalesced' });
    if (this.congested) {
      sub.pending = { frame, eventTime };
      return;
    }
    sub.pending = null;
    this.sendList({ frame, eventTime });
  }

  sendError(error: ErrorFrame): void {
    if (!this.open) return;
    // A client that floods bad frames without reading must not make us queue answers without bound.
    if (this.congested) {
      this.metrics.wsDroppedTotal.inc({ reason: 'error-frame' });
      return;
    }
    this.socket.send(JSON.stringify(error));
  }

  /** Sends waiting lists while the socket has room; called whenever a write completes. */
  flush(): void {
    for (const sub of this.subscriptions.values()) {
      if (!this.open || this.congested) return;
      if (sub.pending === null) continue;
      const list = sub.pending;
      sub.pending = null;
      this.sendList(list);
    }
  }

  /** Drops all subscriptions; lists still waiting are counted as dropped. Returns the user ids. */
  clear(): string[] {
    for (const sub of this.subscriptions.values()) {
      if (sub.pending !== null) this.metrics.wsDroppedTotal.inc({ reason: 'closed' });
    }
    const users = [...this.subscriptions.keys()];
    this.subscriptions.clear();
    return users;
  }

  load(): ConnectionLoad {
    let pendingLists = 0;
    let pendingBytes = 0;
    for (const sub of this.subscriptions.values()) {
      if (sub.pending === null) continue;
      pendingLists += 1;
      pendingBytes += Buffer.byteLength(sub.pending.frame);
    }
    return { subscriptions: this.subscriptions.size, pendingLists, pendingBytes, bufferedAmount: this.socket.bufferedAmount };
  }

  private sendList(list: PendingList): void {
    this.socket.send(list.frame, (err) => {
      if (err === undefined || err === null) this.flush();
    });
    this.metrics.recommendationsTotal.inc({ sink: 'websocket' });
    if (list.eventTime !== undefined) {
      this.metrics.eventToPushSeconds.observe(Math.max(0, this.clock() - list.eventTime) / 1000);
    }
  }
}
