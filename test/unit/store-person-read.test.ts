/**
 * TableStore.readPerson (the person endpoint's read) against the full merged view: for many random
 * people of tables built from several compactions plus pending deltas, the person's rows must be
 * the view's rows for that person, value for value, and reading them must not build the view.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnVector, RowBlock } from '../../lang/columns.ts';
import { DbError } from '../../lang/errors.ts';
import { decodeVector, decodeVectorRange, encodeVector, PART_BYTES } from '../../shards/store/codec.ts';
import { personRows } from '../../shards/store/person.ts';
import { ColumnarTable } from '../../shards/store/table.ts';
import { batchOf, cellOf, type PlainCell, type PlainRow } from './batch-rows.ts';
import { nodeStorage, type NodeStorage } from './node-sql.ts';
import { schemaOf } from '../fixtures/rows.ts';

const SCHEMA = schemaOf(
  { price: 'double', qty: 'int', tag: 'text', tags: 'text[]', flag: 'bool', nums: 'int[]', note: 'text', big: 'int' },
  ['cart', 'buy'], 'events', 1,
);
const NAMES = SCHEMA.columns.map((c) => c.name);
const ACTIONS = ['buy', 'view', 'cart', 'zz'];

/** Deterministic xorshift, so a failure names its seed. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Ev {
  person: string | number;
  stamp: number;
  action: string;
  rows: Record<string, PlainCell>[];
}

function hashOf(e: Ev): number {
  const s = JSON.stringify([e.person, e.stamp, e.action, e.rows]);
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h * 4096 + (s.length % 4096);
}

function toBatch(events: Ev[]): ReturnType<typeof batchOf> {
  const rows: PlainRow[] = [];
  events.forEach((e, i) => {
    for (const attrs of e.rows) rows.push({ person: e.person, stamp: e.stamp, action: e.action, event: i, hash: hashOf(e), attrs });
  });
  return batchOf(SCHEMA, rows);
}

/** Random events: few stamps and actions (z-order ties), complex events, nulls, empty sets, long text. */
function eventMaker(rand: () => number, people: (string | number)[], longNotes: boolean): () => Ev {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybe = <T>(v: T): T | null => (rand() < 0.25 ? null : v);
  let serial = 0;
  return () => {
    const rows: Record<string, PlainCell>[] = [];
    const n = rand() < 0.7 ? 1 : 2 + Math.floor(rand() * 3);
    for (let r = 0; r < n; r++) {
      serial++;
      rows.push({
        price: maybe(pick([1.5, 17.99, 0, -2, 1e-7])),
        qty: maybe(Math.floor(rand() * 11) - 5),
        tag: maybe(pick(['red', 'blue', 'Ü', ''])),
        tags: Array.from({ length: Math.floor(rand() * 4) }, () => pick(['s', 'm', 'l', 'ß'])),
        flag: maybe(rand() < 0.5),
        nums: Array.from({ length: Math.floor(rand() * 3) }, () => Math.floor(rand() * 4)),
        note: maybe(longNotes ? `note ${serial} `.padEnd(700, 'x') : `n${serial % 50}`),
        big: maybe(Math.floor(rand() * 1e6) * 1e7),
      });
    }
    return { person: pick(people), stamp: 1000 * (1 + Math.floor(rand() * 6)), action: pick(ACTIONS), rows };
  };
}


function rowsOf(b: RowBlock, from: number, to: number): unknown[][] {
  const out: unknown[][] = [];
  for (let r = from; r < to; r++) {
    out.push([b.stamp[r], b.action.dict[b.action.codes[r]!], b.event[r], ...NAMES.map((n) => cellOf(b.columns.get(n)!, r))]);
  }
  return out;
}

function insert(t: ColumnarTable, events: Ev[]): void {
  for (let i = 0; i < events.length; i += 400) t.appendBatch(toBatch(events.slice(i, i + 400)));
}

/** Person reads on `t` (whose view is stale) and on a fresh table over the same storage, then the full view. */
function compareAll(t: ColumnarTable, storage: NodeStorage, ids: (string | number)[]): number {
  const before = t.stats();
  const fast = ids.map((id) => {
    const block = t.readPerson(t.personIndex(id)!, NAMES);
    return rowsOf(block, 0, block.length);
  });
  // Neither built the merged view (its bytes would count as resident) nor compacted.
  expect(t.stats()).toEqual(before);
  const fresh = new ColumnarTable(storage, SCHEMA);
  const fromStorage = ids.map((id) => {
    const block = fresh.readPerson(fresh.personIndex(id)!, NAMES);
    return rowsOf(block, 0, block.length);
  });
  const { block, people } = t.read(NAMES);
  let rows = 0;
  ids.forEach((id, i) => {
    const pid = t.personIndex(id)!;
    const full = rowsOf(block, people.start[pid]!, people.end[pid]!);
    expect(fast[i], `person ${JSON.stringify(id)}`).toEqual(full);
    expect(fromStorage[i], `person ${JSON.stringify(id)} after reload`).toEqual(full);
    // With the view current, readPerson slices it: same rows again.
    const sliced = t.readPerson(pid, NAMES);
    expect(rowsOf(sliced, 0, sliced.length)).toEqual(full);
    rows += full.length;
  });
  return rows;
}

describe('decodeVectorRange', () => {
  it('gives the rows decodeVector gives, for every encoding', () => {
    const rand = rng(99);
    const n = 3000;
    const nums = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => (rand() < 0.2 ? NaN : f(i)));
    const offsets = (first: number) => {
      const o = new Int32Array(n + 1);
      o[0] = first;
      for (let i = 0; i < n; i++) o[i + 1] = o[i]! + Math.floor(rand() * (i % 500 === 0 ? 300 : 3));
      return o;
    };
    const so = offsets(0);
    const go = offsets(5);
    const dict = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? `ü${i}` : `v${i}`));
    const vectors: ColumnVector[] = [
      { kind: 'num', values: nums(() => Math.floor(rand() * 200)) },
      { kind: 'num', values: nums(() => Math.floor(rand() * 60000)) },
      { kind: 'num', values: nums(() => Math.floor(rand() * 1e9) - 5e8) },
      { kind: 'num', values: nums(() => rand()) },
      { kind: 'text', dict, codes: Int32Array.from({ length: n }, () => (rand() < 0.2 ? -1 : Math.floor(rand() * dict.length))) },
      { kind: 'numset', offsets: so, values: Float64Array.from({ length: so[n]! }, () => Math.floor(rand() * 9)) },
      { kind: 'textset', offsets: go, dict, codes: Int32Array.from({ length: go[n]! }, () => Math.floor(rand() * dict.length)) },
    ];
    for (const v of vectors) {
      const bytes = encodeVector(v);
      const all = decodeVector(bytes);
      for (let k = 0; k < 40; k++) {
        const from = Math.floor(rand() * n);
        const to = Math.min(n, from + Math.floor(rand() * 80));
        const part = decodeVectorRange(bytes, from, to);
        expect(part.kind).toBe(v.kind);
        for (let r = from; r < to; r++) expect(cellOf(part, r - from), `${v.kind} row ${r}`).toEqual(cellOf(all, r));
      }
      expect(() => decodeVectorRange(bytes, 10, n + 1)).toThrow();
    }
  });
});

describe('readPerson', () => {
  for (const seed of [1, 7, 2026]) {
    it(`matches the full view's rows for random people over compacted chunks and deltas (seed ${seed})`, () => {
      const rand = rng(seed);
      const people: (string | number)[] = [];
      for (let i = 0; i < 300; i++) people.push(i % 3 === 0 ? i : `p${i}`);
      const storage = nodeStorage();
      const t = new ColumnarTable(storage, SCHEMA);
      const sent: Ev[] = [];
      const make = eventMaker(rand, people.slice(0, 200), seed === 1);
      const round = (n: number): Ev[] => {
        const evs: Ev[] = [];
        for (let i = 0; i < n; i++) evs.push(sent.length > 0 && rand() < 0.05 ? sent[Math.floor(rand() * sent.length)]! : make());
        sent.push(...evs);
        return evs;
      };
      // Two compactions: base rows from both; with long notes the note chunk spans several SQLite values.
      insert(t, round(1500));
      t.compact();
      insert(t, round(1500));
      t.compact();
      expect(t.stats().deltas).toBe(0);
      if (seed === 1) {
        expect(storage.sql.exec("SELECT count(*) AS n FROM store_chunk WHERE col = 'c7'").one().n).toBeGreaterThan(1);
        expect(PART_BYTES).toBeLessThan(1500 * 700);
      }
      // Unchanged base, fast path from chunks only.
      const sample = (): (string | number)[] => people.filter(() => rand() < 0.3).filter((id) => t.personIndex(id) !== undefined);
      expect(compareAll(t, storage, sample())).toBeGreaterThan(0);
      // Deltas after compaction: known people and people only in deltas, several inserts.
      const later = eventMaker(rand, people, false);
      for (let k = 0; k < 5; k++) {
        const evs: Ev[] = [];
        for (let i = 0; i < 120; i++) evs.push(rand() < 0.05 ? sent[Math.floor(rand() * sent.length)]! : later());
        sent.push(...evs);
        insert(t, evs);
      }
      expect(t.stats().deltas).toBeGreaterThan(1);
      const ids = sample();
      for (const id of people.slice(200)) if (t.personIndex(id) !== undefined && !ids.includes(id)) ids.push(id);
      expect(compareAll(t, storage, ids)).toBeGreaterThan(0);
      // One more insert for one person: the next person read is from chunks plus deltas again.
      const one = later();
      insert(t, [one]);
      expect(compareAll(t, storage, [one.person])).toBeGreaterThan(0);
    });
  }

  it('personRows folds the same rows as before: values by name, absent ones left out', () => {
    const t = new ColumnarTable(nodeStorage(), SCHEMA);
    t.appendBatch(toBatch([{ person: 'tommy', stamp: 2000, action: 'buy', rows: [{ price: 2, tags: ['s'], flag: true }, { qty: 3 }] }]));
    t.compact();
    t.appendBatch(toBatch([{ person: 'tommy', stamp: 1000, action: 'zz', rows: [{ tag: 'red', nums: [1, 2], flag: false }] }]));
    t.appendBatch(toBatch([{ person: 'tommy', stamp: 2000, action: 'cart', rows: [{ note: 'n' }] }]));
    expect(personRows(t, SCHEMA, 'tommy')).toEqual({
      id: 'tommy',
      rows: [
        { stamp: 1000, action: 'zz', event: 0, values: { tag: 'red', flag: false, nums: [1, 2] } },
        { stamp: 2000, action: 'cart', event: 1, values: { note: 'n' } },
        { stamp: 2000, action: 'buy', event: 2, values: { price: 2, tags: ['s'], flag: true } },
        { stamp: 2000, action: 'buy', event: 2, values: { qty: 3 } },
      ],
    });
    expect(personRows(t, SCHEMA, 'nobody')).toBeNull();
  });

  it('rejects an unknown column', () => {
    const t = new ColumnarTable(nodeStorage(), SCHEMA);
    t.appendBatch(toBatch([{ person: 1, stamp: 1, action: 'buy', rows: [{}] }]));
    expect(() => t.readPerson(t.personIndex(1)!, ['nope'])).toThrow(DbError);
  });
});
