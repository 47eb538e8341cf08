/**
 * A hash map from positive safe integers to int32 values, on typed arrays: open addressing with linear probing,
 * Fibonacci hashing and backward-shift deletion (no tombstones). It allocates nothing per operation and keeps keys
 * and values next to each other in memory, which makes it several times faster than a Map for order ids.
 */
export class IntMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private shift: number;
  private count = 0;

  constructor(initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  get size(): number {
    return this.count;
  }

  /** The value for `key`, or -1 when absent. */
  get(key: number): number {
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  /** Sets `key` (a positive safe integer) to `value` (an int32 other than -1). */
  set(key: number, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === 0) {
        keys[i] = key;
        this.vals[i] = value;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = keys[i]!;
      if (k === key) break;
      if (k === 0) return false;
      i = (i + 1) & mask;
    }
    // Backward shift: pull later entries of the probe run into the hole when their home allows it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === 0) break;
      const h = this.home(k);
      if (((j - h) & mask) >= ((j - i) & mask)) {
        keys[i] = k;
        vals[i] = vals[j]!;
        i = j;
      }
    }
    keys[i] = 0;
    this.count--;
    return true;
  }

  /** Makes room for `n` entries in all, so that adding up to that many never grows the table one step at a time. */
  reserve(n: number): void {
    if (n * 2 <= this.keys.length) return;
    let cap = this.keys.length;
    let shift = this.shift;
    while (cap < n * 2) {
      cap *= 2;
      shift--;
    }
    this.rehash(cap, shift);
  }

  /** Calls fn for every entry (in table order). */
  forEach(fn: (key: number, value: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) fn(keys[i]!, this.vals[i]!);
  }

  private home(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    this.rehash(this.keys.length * 2, this.shift - 1);
  }

  private rehash(cap: number, shift: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = shift;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.set(oldKeys[i]!, oldVals[i]!);
  }
}
