/**
 * Memory for the frames of a log without a data directory, as SharedArrayBuffers. V8 counts an
 * ArrayBuffer's bytes as the isolate's external memory, and every 64 MB of it allocated since the
 * last full collection starts another, marking the whole heap on the event loop's thread; it does not
 * count a shared backing store. A log's frames live as long as its retention keeps them and grow with
 * it, so as ArrayBuffers they brought a full collection every few seconds at a shop's event rate,
 * whether anything was garbage or not (11 in a push run of the bench, 5 with shared frames).
 *
 * What V8 does not count it does not collect for either: frames a log has let go of (retention,
 * compaction) wait for a collection the heap's own growth brings. To keep that garbage bounded, the
 * shared bytes not yet collected (a FinalizationRegistry says when one is) are weighed against those
 * the log holds: while the difference is over half of what the log holds (as V8 lets its own heap
 * grow past what is live before collecting it), and over `minBound`, chunks are ordinary ArrayBuffers
 * again, which V8 counts and so collects for. A compaction pass over a shop's item states lets go of
 * ~85 MB at once: a fixed bound of V8's own 64 MB brought the full collections back.
 */

/** Garbage of shared frames that is always let be: V8's own step of external memory. */
const MIN_GARBAGE_BOUND = 64 * 1024 * 1024;

export class FrameMemory {
  /** Shared bytes handed out and not yet collected. */
  private outstanding = 0;
  /** Shared bytes that segments hold. */
  private heldBytes = 0;
  private readonly collected = new FinalizationRegistry<number>((bytes) => {
    this.outstanding -= bytes;
  });

  constructor(readonly minBound = MIN_GARBAGE_BOUND) {}

  /** Garbage past which chunks are counted by V8 again. */
  get garbageBound(): number {
    return Math.max(this.minBound, this.heldBytes / 2);
  }

  /** Shared bytes let go of (or never held) and not yet collected. */
  get garbage(): number {
    return this.outstanding - this.heldBytes;
  }

  get held(): number {
    return this.heldBytes;
  }

  /** A chunk of `size` bytes (their contents unset), which no segment holds yet. */
  take(size: number): Buffer {
    if (this.garbage > this.garbageBound) return Buffer.allocUnsafeSlow(size);
    const memory = new SharedArrayBuffer(size);
    this.collected.register(memory, size);
    this.outstanding += size;
    return Buffer.from(memory);
  }

  /** A segment holds `chunk` (one that `take` gave), as long as it does not `letGo` of it. */
  hold(chunk: Buffer): void {
    if (chunk.buffer instanceof SharedArrayBuffer) this.heldBytes += chunk.buffer.byteLength;
  }

  letGo(chunk: Buffer): void {
    if (chunk.buffer instanceof SharedArrayBuffer) this.heldBytes -= chunk.buffer.byteLength;
  }
}

/** The process's: V8's heap, and what it counts, is one per process. */
export const frameMemory = new FrameMemory();
