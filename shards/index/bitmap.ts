/**
 * A set of people of one partition, as bits over the person ordinals of the table's person
 * directory (ordinal i = the i-th person in stored order). 32 people per word, so 100,000 people
 * take 12.5 KB and and/or/count run over a few thousand words.
 */
export class PeopleBitmap {
  readonly size: number;
  readonly words: Uint32Array;

  constructor(size: number, words?: Uint32Array) {
    this.size = size;
    const n = (size + 31) >>> 5;
    if (words !== undefined && words.length !== n) throw new Error(`bitmap of ${size} people needs ${n} words, got ${words.length}`);
    this.words = words ?? new Uint32Array(n);
  }

  static full(size: number): PeopleBitmap {
    const b = new PeopleBitmap(size);
    b.words.fill(0xffffffff);
    b.clearTail();
    return b;
  }

  /** From sorted or unsorted ordinals (duplicates allowed). */
  static fromOrdinals(size: number, ordinals: ArrayLike<number>): PeopleBitmap {
    const b = new PeopleBitmap(size);
    for (let i = 0; i < ordinals.length; i++) b.set(ordinals[i]);
    return b;
  }

  set(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  count(): number {
    let c = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) c += popcount(w[i]);
    return c;
  }

  and(o: PeopleBitmap): PeopleBitmap {
    const r = new PeopleBitmap(this.size);
    const a = this.words, b = o.words, out = r.words;
    for (let i = 0; i < out.length; i++) out[i] = a[i] & b[i];
    return r;
  }

  or(o: PeopleBitmap): PeopleBitmap {
    const r = new PeopleBitmap(this.size);
    const a = this.words, b = o.words, out = r.words;
    for (let i = 0; i < out.length; i++) out[i] = a[i] | b[i];
    return r;
  }

  andNot(o: PeopleBitmap): PeopleBitmap {
    const r = new PeopleBitmap(this.size);
    const a = this.words, b = o.words, out = r.words;
    for (let i = 0; i < out.length; i++) out[i] = a[i] & ~b[i];
    return r;
  }

  not(): PeopleBitmap {
    const r = new PeopleBitmap(this.size);
    const a = this.words, out = r.words;
    for (let i = 0; i < out.length; i++) out[i] = ~a[i];
    r.clearTail();
    return r;
  }

  /** The same members over a larger (or equal) population; the new ordinals are not members. */
  grow(size: number): PeopleBitmap {
    if (size === this.size) return this;
    if (size < this.size) throw new Error(`cannot shrink a bitmap of ${this.size} people to ${size}`);
    const r = new PeopleBitmap(size);
    r.words.set(this.words);
    return r;
  }

  /** In-place union, for accumulating many posting lists without allocating. */
  orInPlace(o: PeopleBitmap): void {
    const a = this.words, b = o.words;
    for (let i = 0; i < a.length; i++) a[i] |= b[i];
  }

  /** Ordinals of the members in increasing order. */
  ordinals(): Int32Array {
    const out = new Int32Array(this.count());
    let k = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) {
      let x = w[i];
      while (x !== 0) {
        const t = x & -x;
        out[k++] = (i << 5) + (31 - Math.clz32(t));
        x ^= t;
      }
    }
    return out;
  }

  /** Little-endian bytes, for storing in SQLite. */
  toBytes(): Uint8Array {
    return new Uint8Array(this.words.buffer.slice(this.words.byteOffset, this.words.byteOffset + this.words.byteLength));
  }

  static fromBytes(size: number, bytes: ArrayBuffer | Uint8Array): PeopleBitmap {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const words = new Uint32Array((size + 31) >>> 5);
    new Uint8Array(words.buffer).set(u8.subarray(0, words.byteLength));
    return new PeopleBitmap(size, words);
  }

  private clearTail(): void {
    const rem = this.size & 31;
    if (rem !== 0) this.words[this.words.length - 1] &= (1 << rem) - 1 >>> 0;
    if (this.size === 0 && this.words.length > 0) this.words.fill(0);
  }
}

export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of ordinals[from .. to) (a posting list) that are also in `b`. */
export function countIn(ordinals: Int32Array, from: number, to: number, b: PeopleBitmap): number {
  let c = 0;
  const w = b.words;
  for (let i = from; i < to; i++) {
    const o = ordinals[i];
    if ((w[o >>> 5] & (1 << (o & 31))) !== 0) c++;
  }
  return c;
}
