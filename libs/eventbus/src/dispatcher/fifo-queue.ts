/** A first-in first-out queue with O(1) push and shift (an array with a moving head). */
export class FifoQueue<T> {
  private items: (T | undefined)[] = [];
  private headIndex = 0;

  get size(): number {
    return this.items.length - this.headIndex;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.headIndex >= this.items.length) return undefined;
    const item = this.items[this.headIndex];
    this.items[this.headIndex++] = undefined;
    if (this.headIndex > 1024 && this.headIndex * 2 > this.items.length) {
      this.items = this.items.slice(this.headIndex);
      this.headIndex = 0;
    }
    return item;
  }
}
