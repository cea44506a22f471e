import v8 from 'node:v8';

const MIB = 1024 * 1024;

/**
 * Whether the V8 heap is too full to take more input: above `ratio` of the heap limit, new events would
 * push the process towards an out-of-memory crash, and a crash loses more than a refused request.
 * The heap is read by sample() on a timer, so asking per request costs a comparison.
 */
export class HeapPressure {
  private used = 0;
  private limit = 0;

  constructor(readonly ratio: number) {}

  sample(): void {
    const heap = v8.getHeapStatistics();
    this.used = heap.used_heap_size;
    this.limit = heap.heap_size_limit;
  }

  /** Heap in use ÷ heap limit at the last sample (0 before any). */
  get usedRatio(): number {
    return this.limit > 0 ? this.used / this.limit : 0;
  }

  get shedding(): boolean {
    return this.usedRatio > this.ratio;
  }

  describe(): string {
    return `heap ${Math.round(this.used / MIB)} MiB in use of its ${Math.round(this.limit / MIB)} MiB limit, above HEAP_SHED_RATIO=${this.ratio}`;
  }
}
