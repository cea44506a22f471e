/** Live test-then-learn recall: was the item a user chose in the list they were last shown? */
export class PrequentialWindow {
  private readonly hits: Uint8Array;
  private next = 0;
  private filled = 0;
  private hitCount = 0;

  constructor(size = 1000) {
    this.hits = new Uint8Array(size);
  }

  record(hit: boolean): void {
    if (this.filled === this.hits.length) this.hitCount -= this.hits[this.next];
    else this.filled++;
    this.hits[this.next] = hit ? 1 : 0;
    this.hitCount += hit ? 1 : 0;
    this.next = (this.next + 1) % this.hits.length;
  }

  recall(): number | null {
    return this.filled === 0 ? null : this.hitCount / this.filled;
  }
}
