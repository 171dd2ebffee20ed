import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PeopleBitmap, countIn, popcount } from '../../shards/index/bitmap.ts';
import { buildValueIndex } from '../../shards/index/values.ts';
import { columnPartial, mergeColumnPartials, parseColumnQuery, filterPredicate } from '../../shards/query/column.ts';
import type { ColumnDef } from '../../lang/schema.ts';
import { DbError } from '../../lang/errors.ts';

describe('PeopleBitmap', () => {
  it('set/has/count and boolean algebra agree with Set semantics', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.nat(), { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 80 }), (n, xs, ys) => {
        const a = xs.filter((x) => x < n), b = ys.filter((y) => y < n);
        const A = PeopleBitmap.fromOrdinals(n, a), B = PeopleBitmap.fromOrdinals(n, b);
        const sa = new Set(a), sb = new Set(b);
        expect(A.count()).toBe(sa.size);
        expect(A.and(B).count()).toBe([...sa].filter((x) => sb.has(x)).length);
        expect(A.or(B).count()).toBe(new Set([...a, ...b]).size);
        expect(A.andNot(B).count()).toBe([...sa].filter((x) => !sb.has(x)).length);
        expect(A.not().count()).toBe(n - sa.size);
        expect([...A.ordinals()]).toEqual([...sa].sort((x, y) => x - y));
        expect(countIn(Int32Array.from([...sb].sort((x, y) => x - y)), 0, sb.size, A)).toBe([...sb].filter((x) => sa.has(x)).length);
        expect(PeopleBitmap.fromBytes(n, A.toBytes()).ordinals()).toEqual(A.ordinals());
      }),
    );
  });
  it('full() has exactly size members and popcount is right', () => {
    for (const n of [0, 1, 31, 32, 33, 64, 100]) expect(PeopleBitmap.full(n).count()).toBe(n);
    expect(popcount(0xffffffff)).toBe(32);
    expect(popcount(0x80000001)).toBe(2);
  });
});

// Three people: p0 rows 0..2, p1 rows 2..3, p2 rows 3..6
const people = { start: Int32Array.from([0, 2, 3]), end: Int32Array.from([2, 3, 6]) };

describe('buildValueIndex', () => {
  it('indexes text columns per distinct person, skipping absent values', () => {
    const ix = buildValueIndex('text', { kind: 'text', codes: Int32Array.from([0, 0, 1, -1, 2, 0]), dict: ['a', 'b', 'c', 'unused'] }, people);
    expect([...ix.posting('a')]).toEqual([0, 2]);
    expect([...ix.posting('b')]).toEqual([1]);
    expect([...ix.posting('c')]).toEqual([2]);
    expect([...ix.posting('unused')]).toEqual([]);
    expect(ix.keys).not.toContain('unused');
    expect(ix.any().count()).toBe(3);
  });
  it('indexes numbers, booleans and set elements', () => {
    const num = buildValueIndex('double', { kind: 'num', values: Float64Array.from([1.5, NaN, 2, 2, NaN, 1.5]) }, people);
    expect([...num.posting(1.5)]).toEqual([0, 2]);
    expect([...num.posting(2)]).toEqual([1, 2]);
    expect(num.posting('2').length).toBe(0);
    const bool = buildValueIndex('bool', { kind: 'num', values: Float64Array.from([1, 0, NaN, NaN, NaN, 1]) }, people);
    expect([...bool.posting(true)]).toEqual([0, 2]);
    expect([...bool.posting(false)]).toEqual([0]);
    // rows: p0 {x,y} {} ; p1 {y} ; p2 {} {z} {x}
    const set = buildValueIndex('text', { kind: 'textset', offsets: Int32Array.from([0, 2, 2, 3, 3, 4, 5]), codes: Int32Array.from([0, 1, 1, 2, 0]), dict: ['x', 'y', 'z'] }, people);
    expect([...set.posting('x')]).toEqual([0, 2]);
    expect([...set.posting('y')]).toEqual([0, 1]);
    expect([...set.posting('z')]).toEqual([2]);
    const nset = buildValueIndex('int', { kind: 'numset', offsets: Int32Array.from([0, 1, 1, 3, 3, 3, 3]), values: Float64Array.from([7, 7, 8]) }, people);
    expect([...nset.posting(7)]).toEqual([0, 1]);
    expect(nset.any().count()).toBe(2);
  });
});

const col = (name: string, type: ColumnDef['type'], isSet = false): ColumnDef => ({ name, type, isSet, id: 1 });
const q = (s: string) => new URLSearchParams(s);
function err(f: () => unknown): DbError {
  try {
    f();
  } catch (e) {
    if (e instanceof DbError) return e;
    throw e;
  }
  throw new Error('expected a DbError');
}

describe('parseColumnQuery', () => {
  it('accepts the filters that fit the column type', () => {
    expect(parseColumnQuery(col('price', 'double'), q('gt=5'))).toEqual({ filter: { op: 'gt', value: 5 }, bucket: null });
    expect(parseColumnQuery(col('price', 'double'), q('between=1&and=2.5&bucket=0.5'))).toEqual({ filter: { op: 'between', lo: 1, hi: 2.5 }, bucket: 0.5 });
    expect(parseColumnQuery(col('name', 'text'), q('eq=fly rod')).filter).toEqual({ op: 'eq', value: 'fly rod' });
    expect(parseColumnQuery(col('n', 'int'), q('eq=3')).filter).toEqual({ op: 'eq', value: 3 });
    expect(parseColumnQuery(col('ok', 'bool'), q('eq=true')).filter).toEqual({ op: 'eq', value: true });
    expect(parseColumnQuery(col('name', 'text', true), q('rx=fl.*')).filter).toEqual({ op: 'rx', source: 'fl.*' });
    expect(parseColumnQuery(col('name', 'text'), q('sub=rod')).filter).toEqual({ op: 'sub', text: 'rod' });
    expect(parseColumnQuery(col('name', 'text'), q('')).filter).toBeNull();
  });
  it('rejects wrong filters with a precise detail', () => {
    expect(err(() => parseColumnQuery(col('name', 'text'), q('gt=5'))).body.detail).toMatch(/'gt=' needs a numeric column; 'name' is text/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('rx=a'))).body.detail).toMatch(/'rx=' needs a text column; 'price' is double/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('sub=a'))).body.message).toBe('bad_filter');
    expect(err(() => parseColumnQuery(col('name', 'text'), q('rx=(abc'))).body.message).toBe('bad_regex');
    expect(err(() => parseColumnQuery(col('price', 'double'), q('between=1'))).body.detail).toMatch(/needs 'and='/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('and=1'))).body.detail).toMatch(/only valid together with 'between='/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('bucket=abc'))).body.detail).toMatch(/'bucket=' must be a number, got 'abc'/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('bucket=0'))).body.detail).toMatch(/greater than 0/);
    expect(err(() => parseColumnQuery(col('name', 'text'), q('bucket=5'))).body.detail).toMatch(/'bucket=' needs a numeric column/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('gt=x'))).body.detail).toMatch(/'gt=' must be a number/);
    expect(err(() => parseColumnQuery(col('price', 'double'), q('gt=1&lt=3'))).body.detail).toMatch(/one filter at a time/);
    expect(err(() => parseColumnQuery(col('ok', 'bool'), q('eq=maybe'))).body.detail).toMatch(/true or false/);
  });
  it('regex matches the whole value', () => {
    const p = filterPredicate({ op: 'rx', source: 'fly' });
    expect(p('fly')).toBe(true);
    expect(p('fly rod')).toBe(false);
  });
});

describe('columnPartial', () => {
  const ix = buildValueIndex('double', { kind: 'num', values: Float64Array.from([10, 60, 55, 620, 40, 12]) }, people);
  it('counts distinct people per value and per bucket, filters restrict only the children', () => {
    const all = columnPartial(ix, { filter: null, bucket: null }, [null]);
    expect(all.root).toEqual([3]);
    expect(all.rows.length).toBe(6);
    const b = columnPartial(ix, { filter: null, bucket: 50 }, [null]);
    const byG = Object.fromEntries(b.rows.map((r) => [r.g, r.c[0]]));
    expect(byG).toEqual({ 0: 2, 50: 2, 600: 1 });
    const f = columnPartial(ix, { filter: { op: 'gte', value: 55 }, bucket: 50 }, [null]);
    expect(f.root).toEqual([3]);
    expect(Object.fromEntries(f.rows.map((r) => [r.g, r.c[0]]))).toEqual({ 50: 2, 600: 1 });
  });
  it('counts per segment in compare mode and merges partials by adding', () => {
    const seg = PeopleBitmap.fromOrdinals(3, [2]);
    const p = columnPartial(ix, { filter: null, bucket: 50 }, [null, seg]);
    expect(p.root).toEqual([3, 1]);
    expect(Object.fromEntries(p.rows.map((r) => [r.g, r.c]))).toEqual({ 0: [2, 1], 50: [2, 0], 600: [1, 1] });
    const m = mergeColumnPartials([p, p]);
    expect(m.root).toEqual([6, 2]);
    expect(Object.fromEntries(m.rows.map((r) => [r.g, r.c]))).toEqual({ 0: [4, 2], 50: [4, 0], 600: [2, 2] });
  });
});

describe('IndexCache', () => {
  it('reuses an index for the same version, rebuilds for a new one, and stays within its byte budget', async () => {
    const { IndexCache, INDEX_BUDGET_BYTES } = await import('../../shards/index/cache.ts');
    const n = 200_000;
    const ranges = { start: Int32Array.from({ length: n }, (_, i) => i), end: Int32Array.from({ length: n }, (_, i) => i + 1) };
    let loads = 0;
    const load = () => {
      loads++;
      return { vec: { kind: 'num' as const, values: Float64Array.from({ length: n }, (_, i) => i) }, people: ranges };
    };
    const c = new IndexCache();
    const a = c.get('t', 'x', 'int', 'v1', load);
    expect(c.get('t', 'x', 'int', 'v1', load)).toBe(a);
    expect(loads).toBe(1);
    expect(c.get('t', 'x', 'int', 'v2', load)).not.toBe(a);
    expect(loads).toBe(2);
    // each index is ~4.8 MB (200k distinct values): seven of them overflow the 24 MB budget
    for (let i = 0; i < 7; i++) new IndexCache().get('t', 'x', 'int', 'v1', load);
    expect(IndexCache.usedBytes()).toBeLessThanOrEqual(INDEX_BUDGET_BYTES);
    c.dropTable('t');
    expect(c.get('t', 'x', 'int', 'v2', load)).not.toBe(a);
  }, 60_000);
});

describe('buildValueIndex with many distinct numbers', () => {
  it('gives the same postings on the sorted path as a reference map', () => {
    const rows = 30_000;
    const values = Float64Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? NaN : ((i * 7919) % 10007) / 4 - 300));
    const per = 3;
    const people = { start: Int32Array.from({ length: rows / per }, (_, p) => p * per), end: Int32Array.from({ length: rows / per }, (_, p) => p * per + per) };
    const ix = buildValueIndex('double', { kind: 'num', values }, people);
    const ref = new Map<number, Set<number>>();
    values.forEach((v, i) => { if (v === v) { if (!ref.has(v)) ref.set(v, new Set()); ref.get(v)!.add(Math.floor(i / per)); } });
    expect(ix.keys.length).toBe(ref.size);
    expect(ref.size).toBeGreaterThan(4096);
    for (const [v, ps] of ref) expect([...ix.posting(v)]).toEqual([...ps].sort((a, b) => a - b));
    expect(ix.members.length).toBe([...ref.values()].reduce((a, s) => a + s.size, 0));
  });
});
