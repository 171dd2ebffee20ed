import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fnv1a64, hash53, hashHex, partitionOf, personKey } from '../../shards/hash.ts';

/** Reference FNV-1a 64 in BigInt, straight from the definition. */
function reference(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

describe('FNV-1a 64 partition hash', () => {
  it('matches the published test vectors', () => {
    expect(hashHex(fnv1a64(''))).toBe('cbf29ce484222325');
    expect(hashHex(fnv1a64('a'))).toBe('af63dc4c8601ec8c');
    expect(hashHex(fnv1a64('foobar'))).toBe('85944171f73967e8');
  });

  it('equals the BigInt reference for any string, ASCII or not, lone surrogates included', () => {
    const anyUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyUnit })), (s) => {
      expect(BigInt('0x' + hashHex(fnv1a64(s)))).toBe(reference(s));
    }), { numRuns: 500 });
  });

  it('partition = hash mod N, exactly', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 1000 }), (s, n) => {
      expect(partitionOf(s, n)).toBe(Number(reference(s.toLowerCase()) % BigInt(n)));
    }), { numRuns: 500 });
  });

  it('lower-cases string ids and hashes integers by their decimal text', () => {
    expect(partitionOf('Tommy', 24)).toBe(partitionOf('tommy', 24));
    expect(personKey(12345)).toBe('12345');
    expect(partitionOf(12345, 24)).toBe(Number(reference('12345') % 24n));
  });

  it('hash53 keeps the top 53 bits as an exact integer', () => {
    const h = fnv1a64('foobar');
    expect(Number.isSafeInteger(hash53(h))).toBe(true);
    expect(BigInt(hash53(h))).toBe(reference('foobar') >> 11n);
  });
});
