/**
 * Partition hashing: FNV-1a 64-bit over the UTF-8 bytes of the person key, modulo the partition count.
 *
 *   h = 0xcbf29ce484222325
 *   for each byte b:  h = (h XOR b) * 0x100000001b3   (mod 2^64)
 *   partition = h mod N
 *
 * The person key is the lower-cased string id, or the decimal text of an integer id (integer ids are a
 * separate namespace in storage but hash like their text). The algorithm is fixed forever: changing it
 * would move people between partitions. Arithmetic uses four 16-bit limbs so it is exact without BigInt.
 */

export interface Hash64 {
  /** High 32 bits (unsigned). */
  hi: number;
  /** Low 32 bits (unsigned). */
  lo: number;
}

/** FNV-1a 64 of the UTF-8 encoding of `s`. */
export function fnv1a64(s: string): Hash64 {
  return stream.reset().text(s).digest();
}

/** The 64-bit value as 16 lower-case hex digits (for docs and tests). */
export function hashHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

/** The top 53 bits of the hash as an exact non-negative double (for Float64Array fields). */
export function hash53(h: Hash64): number {
  return h.hi * 0x200000 + (h.lo >>> 11);
}

/** The text that is hashed for a person: lower-cased string id, or the decimal text of an integer id. */
export function personKey(person: string | number): string {
  return typeof person === 'number' ? String(person) : person.toLowerCase();
}

/** Partition of a person: FNV-1a 64 of the UTF-8 person key, mod `partitions`. */
export function partitionOf(person: string | number, partitions: number): number {
  const h = fnv1a64(personKey(person));
  // (hi * 2^32 + lo) mod n, exact in doubles because every term stays below 2^53.
  const twoTo32 = 0x100000000 % partitions;
  return ((h.hi % partitions) * twoTo32 + (h.lo % partitions)) % partitions;
}

const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

/**
 * Incremental FNV-1a 64 over typed pieces (bytes, UTF-8 text, float64 bits) without building a string:
 * event hashing feeds every attribute through this, so it avoids per-event garbage.
 */
export class Fnv64Stream {
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  reset(): this {
    this.h0 = 0x2325;
    this.h1 = 0x8422;
    this.h2 = 0x9ce4;
    this.h3 = 0xcbf2;
    return this;
  }

  byte(b: number): this {
    const h0 = this.h0 ^ (b & 0xff), h1 = this.h1;
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = this.h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
    return this;
  }

  /** The UTF-8 bytes of `s` (lone surrogates as U+FFFD, like TextEncoder). */
  text(s: string): this {
    // ASCII runs hash in local variables; other characters go through byte() with their UTF-8 bytes.
    let h0 = this.h0, h1 = this.h1, h2 = this.h2, h3 = this.h3;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        h0 ^= c;
        const t0 = h0 * 0x1b3;
        const t1 = h1 * 0x1b3 + (t0 >>> 16);
        const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
        const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
        h0 = t0 & 0xffff;
        h1 = t1 & 0xffff;
        h2 = t2 & 0xffff;
        h3 = t3 & 0xffff;
        continue;
      }
      this.h0 = h0;
      this.h1 = h1;
      this.h2 = h2;
      this.h3 = h3;
      if (c < 0x800) {
        this.byte(0xc0 | (c >> 6)).byte(0x80 | (c & 0x3f));
      } else {
        let four = false;
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            four = true;
            this.byte(0xf0 | (c >> 18)).byte(0x80 | ((c >> 12) & 0x3f)).byte(0x80 | ((c >> 6) & 0x3f)).byte(0x80 | (c & 0x3f));
          }
        }
        if (!four) {
          if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
          this.byte(0xe0 | (c >> 12)).byte(0x80 | ((c >> 6) & 0x3f)).byte(0x80 | (c & 0x3f));
        }
      }
      h0 = this.h0;
      h1 = this.h1;
      h2 = this.h2;
      h3 = this.h3;
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return this;
  }

  /** The 8 bytes of a float64 (little-endian). */
  float(n: number): this {
    scratch[0] = n;
    for (let i = 0; i < 8; i++) this.byte(scratchBytes[i]);
    return this;
  }

  digest(): Hash64 {
    return { hi: ((this.h3 << 16) | this.h2) >>> 0, lo: ((this.h1 << 16) | this.h0) >>> 0 };
  }

  /** Top 53 bits of the current hash as an exact double (see hash53). */
  digest53(): number {
    return (((this.h3 << 16) | this.h2) >>> 0) * 0x200000 + ((((this.h1 << 16) | this.h0) >>> 0) >>> 11);
  }
}

const stream = new Fnv64Stream();
