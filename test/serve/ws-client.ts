import { type ClientOptions, WebSocket } from 'ws';

export type Frame = Record<string, unknown> & { op: string };

/** A real ws client that records every frame it reads and lets a test wait for a matching one. */
export class TestClient {
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;
  private consumed = 0;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? { op: 'binary' } : (JSON.parse(data.toString()) as Frame));
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        this.wake?.();
        resolve(code);
      }),
    );
    socket.on('error', () => {
      /* the close event follows */
    });
  }

  static connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The next unread frame that matches; frames read past on the way are skipped. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.consumed < this.frames.length) {
        const frame = this.frames[this.consumed++]!;
        if (match(frame)) return frame;
      }
      if (this.closeCode !== null) throw new Error(`connection closed (${this.closeCode}) before a matching frame`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; last frames: ${JSON.stringify(this.frames.slice(-3)).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Subscribes and returns the immediate answer (a list or an error). */
  async subscribe(userId: string, token?: string): Promise<Frame> {
    this.send(token === undefined ? { op: 'subscribe', userId } : { op: 'subscribe', userId, token });
    return this.next((f) => f.userId === userId && (f.op === 'recommendations' || f.op === 'error'));
  }

  close(): void {
    this.socket.terminate();
  }
}
