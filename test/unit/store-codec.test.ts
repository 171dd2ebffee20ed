import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ColumnVector } from '../../lang/columns.ts';
import { PART_BYTES, decodeVector, encodeVector, joinParts, splitParts } from '../../shards/store/codec.ts';
import { readKeys, writeKeys } from '../../shards/store/directory.ts';
import { EventSet } from '../../shards/store/dedup.ts';
import { decodeDelta, encodeBatchDelta, packBatch, storableAsIs, unpackBatch, type RawColumn } from '../../shards/store/delta.ts';
import { PackReader, PackWriter } from '../../shards/store/pack.ts';
import { absentVector, appendRaw, gatherVector, type RawPart } from '../../shards/store/vectors.ts';
import { checkBatch, type InsertBatch } from '../../shards/store/batch.ts';
import { batchOf, rowsOf, type PlainRow } from './batch-rows.ts';

/** Plain JS values of a delta column whose codes point into `strings`. */
function plainRaw(c: RawColumn, strings: readonly string[]): unknown[] {
  if (c.kind === 'num') return [...c.values].map((x) => (Number.isNaN(x) ? null : x));
  if (c.kind === 'text') return [...c.codes].map((x) => (x < 0 ? null : strings[x]));
  const values: ArrayLike<unknown> = c.kind === 'numset' ? c.values : [...c.codes].map((x) => strings[x]);
  return Array.from({ length: c.offsets.length - 1 }, (_, i) => Array.from({ length: c.offsets[i + 1]! - c.offsets[i]! }, (_, k) => values[c.offsets[i]! + k]));
}

/** The delta column form of a vector (what decodeDelta produces): the part with its own string table. */
function rawOf(v: ColumnVector): RawPart {
  const rows = plain(v).length;
  switch (v.kind) {
    case 'num':
    case 'numset':
      return { rows, strings: [], column: v };
    case 'text':
      return { rows, strings: v.dict, column: { kind: 'text', codes: v.codes } };
    case 'textset':
      return { rows, strings: v.dict, column: { kind: 'textset', offsets: v.offsets, codes: v.codes } };
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
      const joined = appendRaw(kind, parts[0]!, [...parts.slice(1).map(rawOf), { rows: 2, strings: [], column: undefined }]);
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

describe('insert batch', () => {
  const schema = { name: 't', zOrder: [], columns: [
    { name: 'price', type: 'double' as const, isSet: false, id: 1 },
    { name: 'tag', type: 'text' as const, isSet: false, id: 2 },
    { name: 'tags', type: 'text' as const, isSet: true, id: 3 },
    { name: 'nums', type: 'int' as const, isSet: true, id: 4 },
    { name: 'ok', type: 'bool' as const, isSet: false, id: 5 },
  ] };
  const row = (person: string | number, event: number, attrs: PlainRow['attrs'], action = 'buy'): PlainRow =>
    ({ person, stamp: 1000 + event, action, event, hash: 100 + event, attrs: { price: null, tag: null, tags: [], nums: [], ok: null, ...attrs } });
  const rows: PlainRow[] = [
    row('tommy', 0, { price: 1.5, tag: 'red', tags: ['x', 'y'], nums: [1, -2], ok: 1 }),
    row('tommy', 0, { tag: '', tags: [''] }),
    row(5, 1, { price: -0, tag: 'ünïcode ✓ 𝄞', nums: [0], ok: 0 }, 'view ✓'),
    row('5', 2, { tags: ['𝄞', 'red'] }, ''),
    row('sue', 3, {}),
  ];

  /** A delta's rows in the same plain form. */
  function deltaRows(d: ReturnType<typeof decodeDelta>): PlainRow[] {
    return Array.from({ length: d.rows }, (_, i) => {
      const attrs: PlainRow['attrs'] = {};
      for (const def of schema.columns) {
        const c = d.columns.get(def.id);
        attrs[def.name] = c === undefined ? (def.isSet ? [] : null) : (plainRaw(c, d.strings)[i] as PlainRow['attrs'][string]);
      }
      return { person: d.keys[d.person[i]!]!, stamp: d.stamp[i]!, action: d.strings[d.action[i]!]!, event: d.event[i]!, hash: d.hash[i]!, attrs };
    });
  }

  it('round-trips rows through the writer, a structured clone and the delta encoding: nulls, sets, empty strings, unicode, id types', () => {
    const batch = batchOf(schema, rows);
    expect(batch.people).toEqual(['tommy', 5, '5', 'sue']);
    expect(batch.strings.filter((s) => s === 'red').length).toBe(1);
    expect(rowsOf(schema, batch)).toEqual(rows);
    const cloned = structuredClone(batch);
    expect(cloned.stamp).toBeInstanceOf(Float64Array);
    expect(rowsOf(schema, cloned)).toEqual(rows);
    const d = decodeDelta(encodeBatchDelta(schema, cloned, null));
    expect(d.events).toBe(4);
    expect(deltaRows(d)).toEqual(rows);
  });

  it('packs a batch into one byte array that unpacks to the same rows and is stored as is when it can be', () => {
    const batch = batchOf(schema, rows);
    const packed = packBatch(batch);
    const back = unpackBatch(structuredClone(packed));
    expect(rowsOf(schema, back)).toEqual(rows);
    expect(storableAsIs(schema, back, packed)).toBe(true);
    expect(Buffer.from(encodeBatchDelta(schema, back, null)).equals(Buffer.from(packed))).toBe(true);
    // A column the schema has lost, or event numbers that are not 0.. in row order, need re-encoding.
    expect(storableAsIs({ ...schema, columns: schema.columns.slice(1) }, back, packed)).toBe(false);
    const gappy = batchOf(schema, rows.map((r) => ({ ...r, event: r.event * 2 })));
    expect(storableAsIs(schema, gappy, packBatch(gappy))).toBe(false);
    expect(deltaRows(decodeDelta(encodeBatchDelta(schema, gappy, null)))).toEqual(rows);
  });

  it('pads columns a row never set and omits columns no row set', () => {
    const batch = batchOf(schema, [row('a', 0, {}), row('a', 1, { tag: 'x', nums: [3] }), row('b', 2, {})]);
    expect(batch.columns.map((c) => c.id).sort()).toEqual([2, 4]);
    const tag = batch.columns.find((c) => c.id === 2)!;
    expect(tag.kind === 'text' && [...tag.codes].map((c) => (c < 0 ? null : batch.strings[c]))).toEqual([null, 'x', null]);
    const nums = batch.columns.find((c) => c.id === 4)!;
    expect(nums.kind === 'numset' && [...nums.offsets]).toEqual([0, 0, 1, 1]);
  });

  it('keeps only picked rows, renumbers events and people and drops columns the schema no longer has', () => {
    const batch = batchOf(schema, rows);
    const narrower = { ...schema, columns: schema.columns.filter((c) => c.name !== 'tag').map((c) => (c.name === 'ok' ? { ...c, id: 9 } : c)) };
    const d = decodeDelta(encodeBatchDelta(narrower, batch, Int32Array.of(0, 1, 3)));
    expect(d.rows).toBe(3);
    expect(d.keys).toEqual(['tommy', '5']);
    expect([...d.person]).toEqual([0, 0, 1]);
    expect([...d.event]).toEqual([0, 0, 1]);
    expect(d.events).toBe(2);
    expect([...d.hash]).toEqual([100, 100, 102]);
    expect([...d.columns.keys()].sort()).toEqual([1, 3, 4]);
    expect(plainRaw(d.columns.get(3)!, d.strings)).toEqual([['x', 'y'], [''], ['𝄞', 'red']]);
    expect(plainRaw(d.columns.get(4)!, d.strings)).toEqual([[1, -2], [], []]);
    expect(plainRaw(d.columns.get(1)!, d.strings)).toEqual([1.5, null, null]);
  });

  it('picked rows decode to exactly those rows (random batches)', () => {
    const cell = fc.record({
      price: fc.option(fc.double({ noNaN: true }), { nil: null }),
      tag: fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
      tags: fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 3 }), { maxLength: 3 }),
      nums: fc.array(fc.integer(), { maxLength: 3 }),
      ok: fc.option(fc.constantFrom(0, 1), { nil: null }),
    });
    const arb = fc.array(fc.tuple(fc.constantFrom<string | number>('a', 'b', 7), cell, fc.boolean()), { maxLength: 20 });
    fc.assert(fc.property(arb, (spec) => {
      const input = spec.map(([person, attrs], i) => ({ person, stamp: i, action: `a${i % 3}`, event: i, hash: i, attrs }));
      const pick = Int32Array.from(spec.flatMap(([, , keep], i) => (keep ? [i] : [])));
      const d = decodeDelta(encodeBatchDelta(schema, batchOf(schema, input), pick));
      expect(deltaRows(d).map((r) => ({ ...r, event: 0 }))).toEqual([...pick].map((i) => ({ ...input[i]!, event: 0 })));
      expect([...d.event]).toEqual([...pick.keys()]);
    }), { numRuns: 100 });
  });

  it('still reads deltas written in format 2 (per-row strings)', () => {
    const w = new PackWriter();
    w.u32(2);
    w.u32(2);
    w.u32(2);
    writeKeys(w, ['tommy', 5]);
    w.f64s(Float64Array.of(1, 2));
    w.strings(['buy', 'view']);
    w.i32s(Int32Array.of(0, 1));
    w.f64s(Float64Array.of(10, 11));
    w.u32(3);
    w.u32(2); w.u32(2); w.i32s(Int32Array.of(3, -1)); w.u8s(new TextEncoder().encode('red'));
    w.u32(3); w.u32(4); w.i32s(Int32Array.of(2, 0)); w.strings(['x', 'red']);
    w.u32(1); w.u32(1); w.f64s(Float64Array.of(NaN, 3));
    const d = decodeDelta(w.finish());
    expect(deltaRows(d)).toEqual([
      { person: 'tommy', stamp: 1, action: 'buy', event: 0, hash: 10, attrs: { price: null, tag: 'red', tags: ['x', 'red'], nums: [], ok: null } },
      { person: 5, stamp: 2, action: 'view', event: 1, hash: 11, attrs: { price: 3, tag: null, tags: [], nums: [], ok: null } },
    ]);
  });

  it('rejects malformed batches before touching state', () => {
    const good = batchOf(schema, rows);
    expect(() => checkBatch(good)).not.toThrow();
    const broken: [string, (b: InsertBatch) => void][] = [
      ['person', (b) => { b.person[0] = 9; }],
      ['action', (b) => { b.action[1] = b.strings.length; }],
      ['stamp', (b) => { b.stamp[2] = NaN; }],
      ['code', (b) => { const c = b.columns.find((x) => x.kind === 'text')!; if (c.kind === 'text') c.codes[0] = -2; }],
      ['offsets', (b) => { const c = b.columns.find((x) => x.kind === 'numset')!; if (c.kind === 'numset') c.offsets[1] = 99; }],
      ['rows', (b) => { b.rows = 4; }],
      ['people', (b) => { b.people[0] = ''; }],
    ];
    for (const [what, breakIt] of broken) {
      const b = structuredClone(good);
      breakIt(b);
      expect(() => checkBatch(b), what).toThrow(/insert batch/);
    }
  });
});
