import { type Frame, TestClient } from '../../serve/ws-client.js';
import { type Violation, violation } from './violations.js';
import type { FrameBuilder, WireFrame } from './ws-inputs.js';

const ERROR_CODES = new Set([
  'bad-request',
  'unauthorized',
  'token-expired',
  'forbidden',
  'too-many-subscriptions',
  'frame-too-large',
  'internal',
]);

/**
 * The fuzz run's side of GET /v1/stream: a few connections that only ever send hostile frames and so
 * must never receive a list, and one storefront connection that also subscribes with genuine tokens
 * and must receive each list. After every input a sentinel frame (an unknown op the server answers)
 * marks the point up to which everything sent has been handled, so each answer is checked against
 * the input that caused it. Connections the server closes are reopened; a subscription a hostile
 * frame wrongly obtained is dropped again so it cannot blame later inputs.
 */
export class WsFace {
  /** Frames larger than this make ws close the connection (4 × WS_MAX_FRAME_BYTES by default). */
  static readonly HARD_FRAME_BYTES = 65_536;

  readonly closes = new Map<string, number>();
  readonly errorCodes = new Map<string, number>();
  frames = 0;
  validSubscribes = 0;
  listsReceived = 0;
  private readonly clients: TestClient[] = [];
  private sentinel = 0;

  constructor(
    private readonly url: string,
    private readonly builder: FrameBuilder,
    readonly hostileConnections: number,
  ) {}

  async open(): Promise<void> {
    for (let i = 0; i <= this.hostileConnections; i++) this.clients.push(await TestClient.connect(this.url));
  }

  close(): void {
    for (const c of this.clients) c.close();
  }

  /** Index of the storefront connection (the others are hostile). */
  get storefront(): number {
    return this.hostileConnections;
  }

  /** Sends one hostile frame on connection `index`; `label` names what it tries, for the findings. */
  async hostile(index: number, wire: WireFrame, label: string): Promise<Violation[]> {
    const client = this.clients[index]!;
    const mark = client.frames.length;
    client.socket.send(wire.data, { binary: wire.binary });
    this.frames += 1;
    const { violations, leaked } = await this.settle(index, mark, wire.bytes, null, label);
    for (const userId of leaked) {
      const again = this.clients[index]!;
      const before = again.frames.length;
      again.send({ op: 'unsubscribe', userId });
      await this.settle(index, before, 0, userId, label);
    }
    return violations;
  }

  /** Subscribes the storefront connection with a genuine token; the answer must be that user's list. */
  async validSubscribe(userId: string, ttlSeconds: number): Promise<Violation[]> {
    const client = this.clients[this.storefront]!;
    const mark = client.frames.length;
    this.validSubscribes += 1;
    this.frames += 1;
    let answer: Frame;
    try {
      answer = await client.subscribe(userId, this.builder.genuine(userId, ttlSeconds));
    } catch (err) {
      await this.reopen(this.storefront, 'storefront lost');
      return [violation('a genuine subscribe got no answer', `${userId}: ${(err as Error).message}`)];
    }
    const violations: Violation[] = [];
    if (answer.op === 'recommendations' && Array.isArray(answer.items)) this.listsReceived += 1;
    else
      violations.push(violation('a genuine subscribe was not answered with a list', `${userId}: ${JSON.stringify(answer).slice(0, 200)}`));
    client.send({ op: 'unsubscribe', userId });
    this.frames += 1;
    violations.push(...(await this.settle(this.storefront, mark, 0, userId, 'genuine subscribe')).violations);
    return violations;
  }

  /**
   * Waits for the sentinel's answer on connection `index` and checks every frame that came before
   * it since `mark`: error frames with a known code, and lists only for `allowedUser`. Returns the
   * users whose lists arrived without a genuine subscription.
   */
  private async settle(
    index: number,
    mark: number,
    lastFrameBytes: number,
    allowedUser: string | null,
    label: string,
  ): Promise<{ violations: Violation[]; leaked: string[] }> {
    const client = this.clients[index]!;
    const sentinel = `fuzz-sentinel-${this.sentinel++}`;
    client.send({ op: sentinel });
    const violations: Violation[] = [];
    const leaked = new Set<string>();
    try {
      await client.next((f) => f.op === 'error' && typeof f.message === 'string' && f.message.includes(`"${sentinel}"`), 5_000);
    } catch (err) {
      const code = client.closeCode;
      if (code === null) {
        violations.push(violation('a frame went unanswered', `connection ${index}: ${(err as Error).message}`));
      } else if (!(lastFrameBytes > WsFace.HARD_FRAME_BYTES && (code === 1009 || code === 1006))) {
        violations.push(violation(`the server closed the connection (${code})`, `after a ${lastFrameBytes}-byte frame (${label})`));
      }
      await this.reopen(index, String(code));
    }
    for (const frame of client.frames.slice(mark)) {
      if (frame.op === 'error') {
        if (typeof frame.message === 'string' && frame.message.includes('"fuzz-sentinel-')) continue;
        const code = String(frame.code);
        this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
        if (!ERROR_CODES.has(code) || typeof frame.message !== 'string')
          violations.push(violation('a malformed error frame', JSON.stringify(frame).slice(0, 200)));
        continue;
      }
      if (frame.op === 'recommendations' && allowedUser !== null && frame.userId === allowedUser) continue;
      if (frame.op === 'recommendations' && typeof frame.userId === 'string') leaked.add(frame.userId);
      violations.push(violation(`a list without a genuine subscription (${label})`, JSON.stringify(frame).slice(0, 200)));
    }
    return { violations, leaked: [...leaked] };
  }

  private async reopen(index: number, reason: string): Promise<void> {
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
    this.clients[index]!.close();
    this.clients[index] = await TestClient.connect(this.url);
  }
}
