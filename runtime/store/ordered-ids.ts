/**
 * A set of ids that remembers the order they came in and gives up its oldest in O(1)
 * (amortised): a Map for membership and an array for the order, an id taken out
 * anywhere else being skipped when the oldest is looked for.
 *
 * Why not a Set alone: finding a Set's oldest entry (`for (const oldest of set)`) steps
 * over every entry deleted since the engine last rebuilt its table. With one id added and
 * the oldest dropped per finished run, that was most of the memory store's bookkeeping
 * of a run: 0.40-0.56 µs a run against 0.10 with this, 1000 runs kept, in a loop of its
 * own (docs/benchmarks.md).
 */
export class OrderedIds {
  /** Each live id and the position it was added at (so an id added again is not found by its old place). */
  private readonly live = new Map<string, number>();
  private ids: string[] = [];
  private added: number[] = [];
  private head = 0;
  private count = 0;

  /** `minRoom`: places kept before the arrays are rebuilt (small only in tests). */
  constructor(private readonly minRoom = 1024) {}

  get size(): number {
    return this.live.size;
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  /** Adds `id` as the newest; an id already held keeps its place. */
  add(id: string): void {
    if (this.live.has(id)) return;
    const at = this.count++;
    this.live.set(id, at);
    this.ids.push(id);
    this.added.push(at);
  }

  delete(id: string): boolean {
    if (!this.live.delete(id)) return false;
    this.compact();
    return true;
  }

  /** Takes out the oldest id; undefined when there is none. */
  shift(): string | undefined {
    while (this.head < this.ids.length) {
      const i = this.head++;
      const id = this.ids[i];
      if (this.live.get(id) === this.added[i]) {
        this.live.delete(id);
        this.compact();
        return id;
      }
    }
    return undefined;
  }

  /** The ids held, oldest first. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i];
      if (this.live.get(id) === this.added[i]) yield id;
    }
  }

  /**
   * Gives back the array's room once most of it is spent: the places already passed by
   * `shift`, or places of ids taken out by `delete` once they outnumber the ids held.
   * Each rebuild copies at most twice the ids held, after at least as many changes.
   */
  private compact(): void {
    const places = this.ids.length - this.head;
    const passed = this.head >= this.minRoom && this.head >= places;
    const stale = places >= this.minRoom && places >= 2 * this.live.size;
    if (!passed && !stale) return;
    const ids: string[] = [];
    const added: number[] = [];
    for (let i = this.head; i < this.ids.length; i++) {
      if (this.live.get(this.ids[i]) !== this.added[i]) continue;
      ids.push(this.ids[i]);
      added.push(this.added[i]);
    }
    this.ids = ids;
    this.added = added;
    this.head = 0;
  }
}
