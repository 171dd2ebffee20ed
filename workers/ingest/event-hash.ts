/**
 * Event identity for idempotent inserts: a 53-bit hash over a tagged, length-prefixed sequence of
 * 32-bit words (UTF-16 code units of text, the two halves of each float64). Two multiply-xor lanes in
 * the style of cyrb53; it only has to tell one person's events apart, so speed matters more than the
 * byte-exact, documented FNV-1a used for partitioning.
 */
const scratch = new Float64Array(1);
const halves = new Uint32Array(scratch.buffer);

export class EventHasher {
  private h1 = 0;
  private h2 = 0;

  reset(): this {
    this.h1 = 0xdeadbeef;
    this.h2 = 0x41c6ce57;
    return this;
  }

  word(k: number): this {
    this.h1 = Math.imul(this.h1 ^ k, 2654435761);
    this.h2 = Math.imul(this.h2 ^ k, 1597334677);
    return this;
  }

  /** Length-prefixed text, so adjacent strings cannot run into each other. */
  text(s: string): this {
    let h1 = Math.imul(this.h1 ^ s.length, 2654435761);
    let h2 = Math.imul(this.h2 ^ s.length, 1597334677);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  float(n: number): this {
    scratch[0] = n;
    return this.word(halves[0]).word(halves[1]);
  }

  digest53(): number {
    let h1 = this.h1, h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 0x100000000 * (0x1fffff & h2) + (h1 >>> 0);
  }
}
