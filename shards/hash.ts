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

const encoder = new TextEncoder();

/** FNV-1a 64 of a byte sequence. */
function fnv1a64Bytes(bytes: ArrayLike<number>): Hash64 {
  // Offset basis 0xcbf29ce484222325 as limbs, lowest first.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    // Multiply by 0x100000001b3 = 2^40 + 0x1b3: limb products plus the 2^40 term (shift by 2 limbs + 8 bits).
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return { hi: ((h3 << 16) | h2) >>> 0, lo: ((h1 << 16) | h0) >>> 0 };
}

/** True when every code unit is ASCII, so the string's code units are its UTF-8 bytes. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** FNV-1a 64 of the UTF-8 encoding of `s`. */
export function fnv1a64(s: string): Hash64 {
  if (!isAscii(s)) return fnv1a64Bytes(encoder.encode(s));
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < s.length; i++) {
    h0 ^= s.charCodeAt(i);
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return { hi: ((h3 << 16) | h2) >>> 0, lo: ((h1 << 16) | h0) >>> 0 };
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
