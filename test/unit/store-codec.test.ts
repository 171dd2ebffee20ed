import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ColumnVector } from '../../lang/columns.ts';
import { PART_BYTES, decodeVector, encodeVector, joinParts, splitParts } from '../../shards/store/codec.ts';
import { readKeys, writeKeys } from '../../shards/store/directory.ts';
import { EventSet } from '../../shards/store/dedup.ts';
import { decodeDelta, encodeBatchDelta, type RawColumn } from '../../shards/store/delta.ts';
import { PackReader, PackWriter } from '../../shards/store/pack.ts';
import { absentVector, appendRaw, gatherVector } from '../../shards/store/vectors.ts';
import type { InsertBatch } from '../../shards/store/batch.ts';

/** Plain JS values of a delta column. */
function plainRaw(c: RawColumn): unknown[] {
  if (c.kind === 'num') return [...c.values].map((x) => (Number.isNaN(x) ? null : x));
  if (c.kind === 'text') return c.values;
  const values = c.values as ArrayLike<unknown>;
  return Array.from({ length: c.offsets.length - 1 }, (_, i) => Array.from({ length: c.offsets[i + 1]! - c.offsets[i]! }, (_, k) => values[c.offsets[i]! + k]));
}

/** The delta column form of a vector (what encodeBatchDelta/decodeDelta produce). */
function rawOf(v: ColumnVector): RawColumn {
  switch (v.kind) {
    case 'num':
      return v;
    case 'text':
      return { kind: 'text', values: [...v.codes].map((c) => (c < 0 ? null : v.dict[c]!)) };
    case 'numset':
      return v;
    case 'textset':
      return { kind: 'textset', offsets: v.offsets, values: [...v.codes].map((c) => v.dict[c]!) };
  }
}

/** Plain JS values of a vector, for comparisons that ignore dictionary layout. */
function plain(v: ColumnVector): unknown[] {
  switch (v.kind) {
    case 'num':
      return [...v.values].map((x) => (Number.isNaN(x) ? null : x));
    case 'text':
      return [...v.codes].map((c) => (c < 0 ? null : v.dict[c]));
    case 'numset':
      return Array.from({ length: v.offsets.length - 1 }, (_, i) => [...v.values.subarray(v.offsets[i]!, v.offsets[i + 1]!)]);
    case 'textset':
      return Array.from({ length: v.offsets.length - 1 }, (_, i) => [...v.codes.subarray(v.offsets[i]!, v.offsets[i + 1]!)].map((c) => v.dict[c]));
  }
}

const texts = fc.oneof(fc.constantFrom('a', 'b', 'Ünïcode ✓', ''), fc.string());
const nums = fc.oneof(fc.integer({ min: -2147483647, max: 2147483647 }), fc.double({ noNaN: true }), fc.constantFrom(0, 1.5, 2 ** 40, -0));

function numVec(xs: (number | null)[]): ColumnVector {
  return { kind: 'num', values: Float64Array.from(xs, (x) => x ?? NaN) };
}

function dictOf(xs: string[]): { codes: Int32Array; dict: string[] } {
  const dict = [...new Set(xs)];
  return { codes: Int32Array.from(xs, (x) => dict.indexOf(x)), dict };
}

function textVec(xs: (string | null)[]): ColumnVector {
  const { dict } = dictOf(xs.filter((x): x is string => x !== null));
  return { kind: 'text', codes: Int32Array.from(xs, (x) => (x === null ? -1 : dict.indexOf(x))), dict };
}

function offsetsOf(xss: unknown[][]): Int32Array {
  const o = new Int32Array(xss.length + 1);
  xss.forEach((xs, i) => { o[i + 1] = o[i]! + xs.length; });
  return o;
}

const vectors: fc.Arbitrary<ColumnVector> = fc.oneof(
  fc.array(fc.option(nums, { nil: null }), { maxLength: 40 }).map(numVec),
  fc.array(fc.option(texts, { nil: null }), { maxLength: 40 }).map(textVec),
  fc.array(fc.array(nums, { maxLength: 4 }), { maxLength: 30 }).map((xss): ColumnVector =>
    ({ kind: 'numset', offsets: offsetsOf(xss), values: Float64Array.from(xss.flat()) })),
  fc.array(fc.array(texts, { maxLength: 4 }), { maxLength: 30 }).map((xss): ColumnVector =>
    ({ kind: 'textset', offsets: offsetsOf(xss), ...dictOf(xss.flat()) })),
);

describe('pack', () => {
  it('round-trips scalars, arrays and strings, with aligned zero-copy views', () => {
    const w = new PackWriter(4);
    w.u32(7);
    w.f64s(Float64Array.of(1.5, -2));
    w.u32(9);
    w.i32s(Int32Array.of(3, 4, 5));
    w.strings(['x', '', 'héllo', '😀']);
    w.f64(Math.PI);
    const bytes = w.finish();
    const r = new PackReader(new Uint8Array(bytes.buffer.slice(0)));
    expect(r.u32()).toBe(7);
    const f = r.f64s();
    expect([...f]).toEqual([1.5, -2]);
    expect(r.u32()).toBe(9);
    expect([...r.i32s()]).toEqual([3, 4, 5]);
    expect(r.strings()).toEqual(['x', '', 'héllo', '😀']);
    expect(r.f64()).toBe(Math.PI);
  });

  it('copies when the blob is not 8-byte aligned', () => {
    const w = new PackWriter();
    w.f64s(Float64Array.of(42, 43));
    const bytes = w.finish();
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect([...new PackReader(shifted.subarray(1)).f64s()]).toEqual([42, 43]);
  });

  it('rejects truncated data', () => {
    const w = new PackWriter();
    w.i32s(Int32Array.of(1, 2, 3));
    expect(() => new PackReader(w.finish().subarray(0, 10)).i32s()).toThrow(/truncated/);
  });
});

describe('column chunk codec', () => {
  it('decode(encode(v)) has the same values for every kind', () => {
    fc.assert(fc.property(vectors, (v) => {
      const back = decodeVector(encodeVector(v));
      expect(back.kind).toBe(v.kind);
      expect(plain(back)).toEqual(plain(v));
    }));
  });

  it('keeps -0, fractions and large integers exact (no Int32 narrowing then)', () => {
    const v: ColumnVector = { kind: 'num', values: Float64Array.of(-0, 17.99, 2 ** 53, NaN, -2147483648) };
    const back = decodeVector(encodeVector(v));
    expect(back.kind === 'num' && Object.is(back.values[0], -0)).toBe(true);
    expect(plain(back)).toEqual([-0, 17.99, 2 ** 53, null, -2147483648]);
  });

  it('packs integers into the narrowest width their range allows', () => {
    const rowsOf = (values: number[]): number => encodeVector({ kind: 'num', values: Float64Array.from(values) }).length;
    const n = 1000;
    expect(rowsOf(Array.from({ length: n }, (_, i) => 5_000_000 + (i % 200)))).toBeLessThan(n + 64);
    expect(rowsOf(Array.from({ length: n }, (_, i) => 7 - i * 60))).toBeLessThan(2 * n + 64);
    expect(rowsOf(Array.from({ length: n }, (_, i) => 1.6e12 + i * 1e6))).toBeLessThan(4 * n + 64);
    expect(rowsOf(Array.from({ length: n }, (_, i) => i * 1e7))).toBeGreaterThan(8 * n);
    const text: ColumnVector = { kind: 'text', codes: new Int32Array(n).map((_, i) => (i % 4) - 1), dict: ['a', 'b', 'c'] };
    expect(encodeVector(text).length).toBeLessThan(n + 64);
  });

  it('round-trips integers at the edges of the packable range and absent values', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.constantFrom(-(2 ** 53), 2 ** 53, 0, 255, 256, 65535, 65536)), { nil: null })), (xs) => {
      const v = numVec(xs);
      expect(plain(decodeVector(encodeVector(v)))).toEqual(plain(v));
    }));
    const wide: ColumnVector = { kind: 'text', codes: Int32Array.of(-1, 2 ** 31 - 1, 0), dict: [] };
    expect(decodeVector(encodeVector(wide))).toEqual(wide);
  });

  it('splits large values into parts under the 2 MB limit and joins them back', () => {
    const big = new Uint8Array(PART_BYTES * 2 + 17).map((_, i) => i & 255);
    const parts = splitParts(big);
    expect(parts.length).toBe(3);
    for (const p of parts) expect(p.byteLength).toBeLessThanOrEqual(PART_BYTES);
    expect(Buffer.from(joinParts(parts)).equals(Buffer.from(big))).toBe(true);
    expect(splitParts(new Uint8Array(0)).length).toBe(1);
  });
});

describe('vectors', () => {
  it('base plus delta columns, then gather, equals picking values from the parts', () => {
    fc.assert(fc.property(fc.constantFrom('num', 'text', 'numset', 'textset' as const), fc.nat(), (kind, seed) => {
      const parts = fc.sample(vectors.filter((v) => v.kind === kind), { numRuns: 3, seed });
      const all = parts.flatMap(plain);
      // The first part as a decoded base, the others as delta columns; one delta lacks the column.
      const joined = appendRaw(kind, parts[0]!, [...parts.slice(1).map((p) => ({ rows: plain(p).length, column: rawOf(p) })), { rows: 2, column: undefined }]);
      all.push(...plain(absentVector(kind, 2)));
      expect(plain(joined)).toEqual(all);
      const perm = Int32Array.from(all.keys()).reverse();
      expect(plain(gatherVector(joined, perm))).toEqual([...all].reverse());
    }));
  });
});

describe('person keys and dedup set', () => {
  it('keeps string and integer ids apart', () => {
    const w = new PackWriter();
    writeKeys(w, ['5', 5, 'tommy', -3, '']);
    expect(readKeys(new PackReader(w.finish()))).toEqual(['5', 5, 'tommy', -3, '']);
  });

  it('EventSet matches a Set of (pid, hash) pairs through growth', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(50), fc.oneof(fc.double(), fc.integer())), { maxLength: 3000 }), (pairs) => {
      const set = new EventSet();
      const ref = new Set<string>();
      for (const [p, h] of pairs) {
        const key = `${p}|${Object.is(h, -0) ? '-0' : String(h)}`;
        expect(set.add(p, h)).toBe(!ref.has(key));
        ref.add(key);
      }
      expect(set.size).toBe(ref.size);
      for (const [p, h] of pairs) expect(set.has(p, h)).toBe(true);
      expect(set.has(51, 1)).toBe(false);
    }), { numRuns: 30 });
  });
});

describe('delta', () => {
  it('keeps only picked rows, renumbers events and drops columns not in the schema', () => {
    const batch: InsertBatch = {
      rows: 4,
      person: ['a', 'a', 'b', 7],
      stamp: Float64Array.of(1, 1, 2, 3),
      action: ['buy', 'buy', 'view', 'buy'],
      event: Int32Array.of(0, 0, 1, 2),
      eventHash: Float64Array.of(10, 10, 11, 12),
      columns: {
        price: { id: 1, cells: [1.5, 2, null, 4] },
        gone: { id: 9, cells: [1, 1, 1, 1] },
        tags: { id: 2, cells: [['x'], [], ['y', 'z'], []] },
      },
    };
    const schema = { name: 't', zOrder: [], columns: [
      { name: 'price', type: 'double' as const, isSet: false, id: 1 },
      { name: 'tags', type: 'text' as const, isSet: true, id: 2 },
    ] };
    const d = decodeDelta(encodeBatchDelta(schema, batch, Int32Array.of(0, 1, 3), Int32Array.of(0, 0, 2)));
    expect(d.rows).toBe(3);
    expect(d.keys).toEqual(['a', 7]);
    expect([...d.person]).toEqual([0, 0, 1]);
    expect([...d.event]).toEqual([0, 0, 1]);
    expect(d.events).toBe(2);
    expect([...d.hash]).toEqual([10, 10, 12]);
    expect([...d.columns.keys()].sort()).toEqual([1, 2]);
    expect(plainRaw(d.columns.get(1)!)).toEqual([1.5, 2, 4]);
    expect(plainRaw(d.columns.get(2)!)).toEqual([['x'], [], []]);
  });

  it('coerces cells: booleans to 0/1, numbers to text, scalars in set columns to one-element sets', () => {
    const schema = { name: 't', zOrder: [], columns: [
      { name: 'b', type: 'bool' as const, isSet: false, id: 1 },
      { name: 's', type: 'text' as const, isSet: false, id: 2 },
      { name: 'ts', type: 'text' as const, isSet: true, id: 3 },
      { name: 'ns', type: 'int' as const, isSet: true, id: 4 },
    ] };
    const batch: InsertBatch = {
      rows: 3, person: ['a', 'a', 'a'], stamp: Float64Array.of(1, 2, 3), action: ['x', 'x', 'y'],
      event: Int32Array.of(0, 1, 2), eventHash: Float64Array.of(1, 2, 3),
      columns: {
        b: { id: 1, cells: [true, false, null] },
        s: { id: 2, cells: [5, 'x', null] },
        ts: { id: 3, cells: ['a', ['b', null, 'c'], []] as never },
        ns: { id: 4, cells: [[1, true], 7, null] as never },
      },
    };
    const d = decodeDelta(encodeBatchDelta(schema, batch, Int32Array.of(0, 1, 2), Int32Array.of(0, 0, 0)));
    expect(plainRaw(d.columns.get(1)!)).toEqual([1, 0, null]);
    expect(plainRaw(d.columns.get(2)!)).toEqual(['5', 'x', null]);
    expect(plainRaw(d.columns.get(3)!)).toEqual([['a'], ['b', 'c'], []]);
    expect(plainRaw(d.columns.get(4)!)).toEqual([[1, 1], [7], []]);
    expect(d.action).toEqual(['x', 'x', 'y']);
    expect(d.events).toBe(3);
  });
});
