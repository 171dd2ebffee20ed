import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BatchBuilder, batchSlots } from '../../workers/ingest/batch-builder.ts';
import { unpackBatch } from '../../shards/store/delta.ts';
import { rowsOf as batchRows } from './batch-rows.ts';
import { columnLookup, parseEvent, UnparsableLine, type UnknownAttributes, type ValidEvent } from '../../workers/ingest/event.ts';
import { foldRows, type Attrs, type Folded } from '../../workers/ingest/fold.ts';
import { schemaOf } from '../fixtures/rows.ts';

const schema = schemaOf({ a: 'int', b: 'text', c: 'double', tags: 'text[]', ok: 'bool' }, [], 't', 1);
const lookup = columnLookup(schema);
const names = schema.columns.map((c) => c.name);

function parse(raw: unknown): { ev: ValidEvent | string; unknown: UnknownAttributes } {
  const unknown: UnknownAttributes = { count: 0, names: new Set() };
  return { ev: parseEvent(raw, lookup, unknown), unknown };
}

function valid(raw: unknown): ValidEvent {
  const { ev } = parse(raw);
  if (typeof ev === 'string') throw new Error(ev);
  return ev;
}

/** Rows as attribute objects (by column name) for readable assertions. */
function rowsOf(ev: ValidEvent): Attrs[] {
  return ev.rows.map((r) => {
    const o: Attrs = {};
    r.forEach((v, i) => { if (v !== null && v !== undefined) o[names[i]] = v; });
    return o;
  });
}

/** Expands a folded object the same way the insert path does, to check fold ∘ expand = identity. */
function expandFolded(f: Folded, base: Attrs = {}): Attrs[] {
  const row: Attrs = { ...base };
  let kids: Folded[] | undefined;
  for (const [k, v] of Object.entries(f)) {
    if (k === '_') kids = v as Folded[];
    else row[k] = v as Attrs[string];
  }
  if (!kids || kids.length === 0) return [row];
  return kids.flatMap((k) => expandFolded(k, row));
}

const base = { person: 'Tommy', stamp: '2017-01-01T05:30:00Z', action: 'purchase' };

describe('parseEvent', () => {
  it('lower-cases string ids, keeps integer ids, accepts id and event aliases', () => {
    expect(valid(base).person).toBe('tommy');
    expect(valid({ id: 42, stamp: 1, event: 'x' })).toMatchObject({ person: 42, action: 'x', stamp: 1000 });
  });

  it('rejects bad person, stamp and action with reasons', () => {
    expect(parse({ ...base, person: '' }).ev).toMatch(/empty/);
    expect(parse({ ...base, person: 1.5 }).ev).toMatch(/not an integer/);
    expect(parse({ ...base, person: 'x'.repeat(257) }).ev).toMatch(/256 bytes/);
    expect(parse({ stamp: 1, action: 'a' }).ev).toMatch(/missing person/);
    expect(parse({ ...base, stamp: undefined }).ev).toMatch(/missing stamp/);
    expect(parse({ ...base, action: '' }).ev).toMatch(/non-empty/);
    expect(parse({ person: 'x', stamp: 1 }).ev).toMatch(/missing action/);
    expect(parse([1]).ev).toMatch(/JSON object/);
    expect(parse(new UnparsableLine('line 3 is not valid JSON')).ev).toBe('line 3 is not valid JSON');
  });

  it('coerces attributes, drops nulls, counts unknown keys', () => {
    const { ev, unknown } = parse({ ...base, _: { a: '7', b: 5, c: 1.25, tags: 'x', ok: 1, zz: 1, yy: null } });
    expect(rowsOf(ev as ValidEvent)).toEqual([{ a: 7, b: '5', c: 1.25, tags: ['x'], ok: true }]);
    expect(unknown.count).toBe(2);
    expect([...unknown.names].sort()).toEqual(['yy', 'zz']);
    expect(rowsOf(valid({ ...base, _: { a: null } }))).toEqual([{}]);
  });

  it('rejects arrays on scalar columns and unconvertible values, naming the column', () => {
    expect(parse({ ...base, _: { a: [1] } }).ev).toMatch(/'a' is not a set column/);
    expect(parse({ ...base, _: { a: 'abc' } }).ev).toMatch(/column 'a' \(int\)/);
    expect(parse({ ...base, _: 'x' }).ev).toMatch(/'_' must be an object/);
  });

  it('expands complex events into one row per leaf path and folds them back', () => {
    const raw = { ...base, _: { a: 1, _: [{ b: 'x' }, { b: 'y', _: [{ c: 1 }, { c: 2 }] }] } };
    const ev = valid(raw);
    const rows = rowsOf(ev);
    expect(rows).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y', c: 1 }, { a: 1, b: 'y', c: 2 }]);
    const folded = foldRows(rows, names);
    expect(folded).toEqual({ a: 1, _: [{ b: 'x' }, { b: 'y', _: [{ c: 1 }, { c: 2 }] }] });
    expect(expandFolded(folded)).toEqual(rows);
  });

  it('folding reproduces any expansion exactly', () => {
    const shapes = [
      { _: [{ a: 1 }, { a: 1 }] },
      { b: 'p', _: [{ a: 1, c: 1 }, { a: 2, c: 1 }, { a: 1, c: 2 }] },
      { _: [{ tags: ['x', 'y'] }, { tags: ['x'] , _: [{ a: 1 }, { b: 'z' }] }] },
    ];
    for (const attrs of shapes) {
      const rows = rowsOf(valid({ ...base, _: attrs }));
      expect(expandFolded(foldRows(rows, names))).toEqual(rows);
    }
  });

  it('hashes identical events identically and different events differently', () => {
    const h = valid({ ...base, _: { a: 1, b: 'x' } }).hash;
    expect(valid({ ...base, person: 'TOMMY', _: { b: 'x', a: '1', zz: 9 } }).hash).toBe(h);
    expect(valid({ ...base, _: { a: 2, b: 'x' } }).hash).not.toBe(h);
    expect(valid({ ...base, action: 'other', _: { a: 1, b: 'x' } }).hash).not.toBe(h);
    expect(valid({ ...base, stamp: '2017-01-01T05:30:01Z', _: { a: 1, b: 'x' } }).hash).not.toBe(h);
    expect(valid({ ...base, _: { a: 1, b: 'x', c: 0 } }).hash).not.toBe(h);
  });

  it('refuses events that expand into too many rows', () => {
    const wide = Array.from({ length: 40 }, (_, i) => ({ a: i }));
    expect(parse({ ...base, _: { _: wide.map((w) => ({ ...w, _: wide.map((x) => ({ c: x.a })) })) } }).ev).toMatch(/more than 1000 rows/);
  });
});

describe('BatchBuilder', () => {
  it('builds columnar batches with event numbers, holes filled and absent columns omitted', () => {
    const b = new BatchBuilder(batchSlots(lookup));
    b.add(valid({ ...base, _: { a: 1, _: [{ tags: ['x'] }, { tags: ['y'] }] } }));
    b.add(valid({ person: 7, stamp: 2, action: 'view', _: { a: 5 } }));
    const batch = unpackBatch(b.pack());
    expect(batch.rows).toBe(3);
    expect(batch.people).toEqual(['tommy', 7]);
    expect([...batch.person]).toEqual([0, 0, 1]);
    expect([...batch.event]).toEqual([0, 0, 1]);
    expect([...batch.stamp]).toEqual([Date.UTC(2017, 0, 1, 5, 30), Date.UTC(2017, 0, 1, 5, 30), 2000]);
    expect(batch.eventHash[0]).toBe(batch.eventHash[1]);
    expect(batch.columns.map((c) => c.id)).toEqual([1, 4]);
    expect(batchRows(schema, batch).map((r) => [r.action, r.attrs.a, r.attrs.tags])).toEqual([['purchase', 1, ['x']], ['purchase', 1, ['y']], ['view', 5, []]]);
  });
});

describe('event hash', () => {
  it('gives 50,000 events that differ in one value 50,000 distinct hashes', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 25_000; i++) {
      seen.add(valid({ ...base, _: { a: i } }).hash);
      seen.add(valid({ ...base, _: { b: 'v' + i } }).hash);
    }
    expect(seen.size).toBe(50_000);
  });

  it('tells apart values that only differ in how they split across columns or set elements', () => {
    const h = (attrs: object) => valid({ ...base, _: attrs }).hash;
    expect(h({ b: 'xy' })).not.toBe(h({ b: 'x', tags: ['y'] }));
    expect(h({ tags: ['xy'] })).not.toBe(h({ tags: ['x', 'y'] }));
    expect(h({ ok: true })).not.toBe(h({ ok: false }));
    expect(h({ _: [{ a: 1 }, { a: 2 }] })).not.toBe(h({ _: [{ a: 2 }, { a: 1 }] }));
    expect(valid({ ...base, person: 5 }).hash).not.toBe(valid({ ...base, person: '5' }).hash);
  });
});

describe('fold ∘ expand (property)', () => {
  const attrs = fc.record({
    a: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    b: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
    tags: fc.option(fc.subarray(['p', 'q', 'r'], { minLength: 1 }), { nil: undefined }),
  }, { requiredKeys: [] });
  const tree: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
    node: fc.tuple(attrs, fc.option(fc.array(tie('node'), { minLength: 1, maxLength: 3 }), { nil: undefined, depthSize: 'small' }))
      .map(([o, kids]) => (kids === undefined ? { ...o } : { ...o, _: kids })),
  })).node as fc.Arbitrary<Record<string, unknown>>;

  it('folding the rows of any complex event expands back to exactly those rows', () => {
    let multiRow = 0;
    fc.assert(fc.property(tree, (t) => {
      const clean = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
      const rows = rowsOf(valid({ ...base, _: clean }));
      if (rows.length > 2) multiRow++;
      expect(expandFolded(foldRows(rows, names))).toEqual(rows);
    }), { numRuns: 300 });
    expect(multiRow).toBeGreaterThan(30);
  });
});
