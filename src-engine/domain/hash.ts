/**
 * A small deterministic 53-bit hash (two 32-bit FNV-style lanes mixed like cyrb53) for state hashes.
 * Feed numbers and strings in a fixed order; equal inputs give equal digests on every run and platform.
 */
export class StateHasher {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  num(n: number): this {
    // Integers up to 2^53 are split into two 32-bit halves; NaN and infinities get fixed codes.
    if (n >>> 0 === n) {
      // 0 .. 2^32 - 1 (most of a state): the halves are n and 0, without the general split below
      this.mix(n);
      this.mix(0);
      return this;
    }
    let lo: number;
    let hi: number;
    if (Number.isSafeInteger(n)) {
      lo = n >>> 0;
      hi = Math.floor(n / 4294967296) | 0;
    } else if (Number.isNaN(n)) {
      lo = 0x7ff80000;
      hi = 1;
    } else if (n === Number.POSITIVE_INFINITY) {
      lo = 0x7ff00000;
      hi = 2;
    } else if (n === Number.NEGATIVE_INFINITY) {
      lo = 0xfff00000;
      hi = 3;
    } else {
      throw new RangeError(`state hash takes integers only, got ${n}`);
    }
    this.mix(lo);
    this.mix(hi);
    return this;
  }

  str(s: string): this {
    this.mix(s.length);
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    return this;
  }

  bool(b: boolean): this {
    this.mix(b ? 1 : 0);
    return this;
  }

  digest(): number {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }

  private mix(v: number): void {
    this.h1 = Math.imul(this.h1 ^ v, 2654435761);
    this.h2 = Math.imul(this.h2 ^ v, 1597334677);
  }
}
