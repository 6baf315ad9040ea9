/**
 * A binary min-heap of integer handles that tracks where each handle sits, so any handle, not
 * only the first, can be removed or re-keyed in O(log n) (decrease-key and increase-key).
 *
 * Entries are ordered by `key`, ties by `seq` (the smaller goes first): give every entry a
 * distinct `seq` and the order is total, hence deterministic. Handles are small non-negative
 * integers chosen by the caller (e.g. slots of its own array of values); each is in the heap at
 * most once. Everything lives in typed arrays: no allocation per operation, and a comparison reads
 * contiguous memory instead of chasing pointers, which keeps large heaps fast.
 */

const INITIAL_CAPACITY = 16;

export class IndexedHeap {
  /** By heap position: the handle, its key and its seq. */
  private handles = new Int32Array(INITIAL_CAPACITY);
  private keys = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  /** By handle: its heap position, or -1 when it is not in the heap. */
  private positions = new Int32Array(INITIAL_CAPACITY).fill(-1);
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** The first handle, left in place; -1 when empty. */
  peek(): number {
    return this.length > 0 ? (this.handles[0] as number) : -1;
  }

  contains(handle: number): boolean {
    return (this.positions[handle] ?? -1) !== -1;
  }

  /** The key of a handle in the heap (NaN if absent). */
  keyOf(handle: number): number {
    return this.contains(handle) ? (this.keys[this.positions[handle] as number] as number) : Number.NaN;
  }

  /** The seq of a handle in the heap (NaN if absent). */
  seqOf(handle: number): number {
    return this.contains(handle) ? (this.seqs[this.positions[handle] as number] as number) : Number.NaN;
  }

  push(handle: number, key: number, seq: number): void {
    if (!Number.isInteger(handle) || handle < 0 || handle > 0x7fffffff) {
      throw new RangeError(`IndexedHeap: a handle is a non-negative int32, got ${handle}`);
    }
    if (this.contains(handle)) throw new Error(`IndexedHeap: handle ${handle} is already in the heap`);
    checkOrder(key, seq);
    this.reserve(handle, this.length + 1);
    this.length += 1;
    this.siftUp(this.length - 1, handle, key, seq);
  }

  /** Removes and returns the first handle; -1 when empty. */
  pop(): number {
    if (this.length === 0) return -1;
    const top = this.handles[0] as number;
    this.detach(0);
    return top;
  }

  /** Removes `handle` from anywhere in the heap; false when it was not in it. */
  remove(handle: number): boolean {
    if (!this.contains(handle)) return false;
    this.detach(this.positions[handle] as number);
    return true;
  }

  /** Gives `handle` a new key (and seq, if given) and moves it up or down to its place. */
  update(handle: number, key: number, seq?: number): void {
    if (!this.contains(handle)) throw new Error(`IndexedHeap: handle ${handle} is not in the heap`);
    const at = this.positions[handle] as number;
    const newSeq = seq ?? (this.seqs[at] as number);
    checkOrder(key, newSeq);
    this.place(at, handle, key, newSeq);
  }

  clear(): void {
    for (let i = 0; i < this.length; i++) this.positions[this.handles[i] as number] = -1;
    this.length = 0;
  }

  /** The handles in heap order (not sorted order): a view, valid until the next change. */
  view(): Int32Array {
    return this.handles.subarray(0, this.length);
  }

  /** Takes the entry at `at` out, filling its place with the last entry. */
  private detach(at: number): void {
    this.positions[this.handles[at] as number] = -1;
    this.length -= 1;
    const last = this.length;
    if (at < last) {
      this.place(at, this.handles[last] as number, this.keys[last] as number, this.seqs[last] as number);
    }
  }

  /** Puts an entry into the hole at `at`, moving it up or down to where it belongs. */
  private place(at: number, handle: number, key: number, seq: number): void {
    const parent = (at - 1) >> 1;
    if (at > 0 && precedes(key, seq, this.keys[parent] as number, this.seqs[parent] as number)) {
      this.siftUp(at, handle, key, seq);
    } else {
      this.siftDown(at, handle, key, seq);
    }
  }

  private siftUp(at: number, handle: number, key: number, seq: number): void {
    const { keys, seqs } = this;
    let hole = at;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      if (!precedes(key, seq, keys[parent] as number, seqs[parent] as number)) break;
      this.move(parent, hole);
      hole = parent;
    }
    this.set(hole, handle, key, seq);
  }

  private siftDown(at: number, handle: number, key: number, seq: number): void {
    const { keys, seqs, length } = this;
    let hole = at;
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= length) break;
      const right = child + 1;
      if (
        right < length &&
        precedes(keys[right] as number, seqs[right] as number, keys[child] as number, seqs[child] as number)
      ) {
        child = right;
      }
      if (!precedes(keys[child] as number, seqs[child] as number, key, seq)) break;
      this.move(child, hole);
      hole = child;
    }
    this.set(hole, handle, key, seq);
  }

  private move(from: number, to: number): void {
    const handle = this.handles[from] as number;
    this.handles[to] = handle;
    this.keys[to] = this.keys[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.positions[handle] = to;
  }

  private set(at: number, handle: number, key: number, seq: number): void {
    this.handles[at] = handle;
    this.keys[at] = key;
    this.seqs[at] = seq;
    this.positions[handle] = at;
  }

  /** Grows the arrays (doubling) to hold `handle` and `length` entries. */
  private reserve(handle: number, length: number): void {
    if (handle >= this.positions.length) {
      const positions = new Int32Array(Math.max(2 * this.positions.length, handle + 1)).fill(-1);
      positions.set(this.positions);
      this.positions = positions;
    }
    if (length > this.handles.length) {
      const capacity = 2 * this.handles.length;
      this.handles = grow(this.handles, new Int32Array(capacity));
      this.keys = grow(this.keys, new Float64Array(capacity));
      this.seqs = grow(this.seqs, new Float64Array(capacity));
    }
  }
}

/** True when entry (aKey, aSeq) goes before entry (bKey, bSeq). */
function precedes(aKey: number, aSeq: number, bKey: number, bSeq: number): boolean {
  return aKey < bKey || (aKey === bKey && aSeq < bSeq);
}

/** NaN compares false both ways and would corrupt the heap. */
function checkOrder(key: number, seq: number): void {
  if (Number.isNaN(key) || Number.isNaN(seq))
    throw new RangeError("IndexedHeap: key and seq must not be NaN");
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
