/**
 * The columnar table store over a real SQLite (Node's), checked against a plain reference model:
 * stored order, event ordinals, idempotency, compaction, reload from storage, column drop, clear.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TableSchema } from '../../lang/schema.ts';
import type { InsertBatch } from '../../shards/store/batch.ts';
import { batchOf, cellOf, type PlainCell, type PlainRow, type PlainScalar } from './batch-rows.ts';
import { personRows } from '../../shards/store/person.ts';
import { PartitionStore } from '../../shards/store/partition-store.ts';
import { ColumnarTable } from '../../shards/store/table.ts';
import { GroupCommit } from '../../shards/store/group-commit.ts';
import { packBatch, unpackBatch } from '../../shards/store/delta.ts';
import { nodeStorage } from './node-sql.ts';
import { schemaOf } from '../fixtures/rows.ts';

const SCHEMA = schemaOf({ price: 'double', qty: 'int', tag: 'text', tags: 'text[]', flag: 'bool', nums: 'int[]' }, ['cart', 'buy'], 'events', 1);
const NAMES = SCHEMA.columns.map((c) => c.name);

type Attrs = Record<string, PlainCell>;
interface Ev {
  person: string | number;
  stamp: number;
  action: string;
  rows: Attrs[];
}

function hashOf(e: Ev): number {
  // Deterministic identity of the event content (what the router computes).
  const s = JSON.stringify([e.person, e.stamp, e.action, e.rows]);
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h * 4096 + (s.length % 4096);
}

function toBatch(events: Ev[]): InsertBatch {
  const rows: PlainRow[] = [];
  events.forEach((e, i) => {
    for (const attrs of e.rows) rows.push({ person: e.person, stamp: e.stamp, action: e.action, event: i, hash: hashOf(e), attrs });
  });
  return batchOf(SCHEMA, rows);
}

/** What read() must return, computed the obvious way (and each row's event hash). */
function expectedWithHashes(events: Ev[]): { ids: (string | number)[]; rows: unknown[][]; hashes: number[] } {
  const seen = new Set<string>();
  const kept: { e: Ev; arrival: number }[] = [];
  for (const e of events) {
    const k = JSON.stringify([e.person, hashOf(e)]);
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push({ e, arrival: kept.length });
  }
  const ids: (string | number)[] = [];
  for (const { e } of kept) if (!ids.includes(e.person)) ids.push(e.person);
  const rank = (a: string) => (SCHEMA.zOrder.includes(a) ? SCHEMA.zOrder.indexOf(a) : SCHEMA.zOrder.length);
  const rows: unknown[][] = [];
  const hashes: number[] = [];
  for (const id of ids) {
    const mine = kept.filter((k) => k.e.person === id);
    mine.sort((x, y) => x.e.stamp - y.e.stamp || rank(x.e.action) - rank(y.e.action) || x.arrival - y.arrival);
    mine.forEach(({ e }, ordinal) => {
      for (const r of e.rows) {
        hashes.push(hashOf(e));
        rows.push([id, e.stamp, e.action, ordinal, ...SCHEMA.columns.map((c) => normal(r[c.name], c.isSet, c.type === 'bool'))]);
      }
    });
  }
  return { ids, rows, hashes };
}

function expected(events: Ev[]): { ids: (string | number)[]; rows: unknown[][] } {
  const { ids, rows } = expectedWithHashes(events);
  return { ids, rows };
}

function normal(v: PlainCell | undefined, isSet: boolean, isBool: boolean): unknown {
  const one = (x: PlainScalar) => (isBool && typeof x === 'boolean' ? Number(x) : x);
  if (isSet) return (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).filter((x) => x !== null).map(one);
  return v === undefined || v === null ? null : one(v as PlainScalar);
}


function actual(t: ColumnarTable): { ids: (string | number)[]; rows: unknown[][] } {
  const { block, people } = t.read(NAMES);
  const rows: unknown[][] = [];
  people.ids.forEach((id, p) => {
    for (let r = people.start[p]!; r < people.end[p]!; r++) {
      rows.push([id, block.stamp[r], block.action.dict[block.action.codes[r]!], block.event[r],
        ...NAMES.map((n) => cellOf(block.columns.get(n)!, r))]);
    }
  });
  expect(rows.length).toBe(block.length);
  return { ids: people.ids, rows };
}

const attrs: fc.Arbitrary<Attrs> = fc.record({
  price: fc.option(fc.constantFrom(1.5, 17.99, 0, -2), { nil: null }),
  qty: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
  tag: fc.option(fc.constantFrom('red', 'blue', 'Ü'), { nil: null }),
  tags: fc.array(fc.constantFrom('s', 'm', 'l'), { maxLength: 3 }),
  flag: fc.option(fc.boolean(), { nil: null }),
  nums: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
}, { requiredKeys: [] });

const eventArb: fc.Arbitrary<Ev> = fc.record({
  person: fc.constantFrom<string | number>('tommy', 'sue', 'x', 7, '7'),
  stamp: fc.constantFrom(1000, 2000, 3000),
  action: fc.constantFrom('buy', 'view', 'cart', 'zz'),
  rows: fc.array(attrs, { minLength: 1, maxLength: 3 }),
});

type Step = { batch: Ev[]; after: 'none' | 'compact' | 'reload' };
const steps = fc.array(fc.record({
  batch: fc.array(eventArb, { maxLength: 8 }),
  after: fc.constantFrom<Step['after']>('none', 'none', 'compact', 'reload'),
}), { minLength: 1, maxLength: 8 });

describe('ColumnarTable', () => {
  it('reads back every inserted event in stored order, through compactions and reloads', () => {
    fc.assert(fc.property(steps, (plan) => {
      const storage = nodeStorage();
      let t = new ColumnarTable(storage, SCHEMA);
      const all: Ev[] = [];
      let lastVersion = t.version;
      for (const step of plan) {
        // Re-sending part of the history must be a no-op for those events.
        const batch = step.batch.concat(all.slice(0, 2));
        const before = expected(all).rows.length;
        // Half the inserts arrive packed, as over RPC (stored as sent when every row is new).
        const packed = step.batch.length % 2 === 0 ? packBatch(toBatch(batch)) : null;
        const res = packed === null ? t.appendBatch(toBatch(batch)) : t.appendBatch(unpackBatch(packed), packed);
        all.push(...batch);
        const exp = expected(all);
        expect(res.rows).toBe(exp.rows.length - before);
        if (res.rows > 0) expect(t.version).toBeGreaterThan(lastVersion);
        else expect(t.version).toBe(lastVersion);
        lastVersion = t.version;
        if (step.after === 'compact') {
          // Compaction keeps a view that readers use and drops one nobody reads: cover both.
          if (batch.length % 2 === 0) actual(t);
          t.compact();
        }
        if (step.after === 'reload') t = new ColumnarTable(storage, SCHEMA);
        expect(actual(t)).toEqual(exp);
        expect([...t.eventHashes()]).toEqual(expectedWithHashes(all).hashes);
        expect(t.version).toBe(lastVersion);
      }
    }), { numRuns: 60 });
  });

  it('counts events, not rows, and skips a whole complex event on re-insert', () => {
    const t = new ColumnarTable(nodeStorage(), SCHEMA);
    const ev: Ev = { person: 'tommy', stamp: 5, action: 'buy', rows: [{ tag: 'a' }, { tag: 'b' }] };
    expect(t.appendBatch(toBatch([ev]))).toEqual({ inserted: 1, duplicates: 0, rows: 2 });
    expect(t.appendBatch(toBatch([ev, ev]))).toEqual({ inserted: 0, duplicates: 2, rows: 0 });
    expect(t.read([]).block.length).toBe(2);
  });

  it('ranks equal stamps by z-order, unlisted actions last, then arrival', () => {
    const t = new ColumnarTable(nodeStorage(), SCHEMA);
    const mk = (action: string, qty: number): Ev => ({ person: 'p', stamp: 10, action, rows: [{ qty }] });
    t.appendBatch(toBatch([mk('zz', 1), mk('buy', 2)]));
    t.compact();
    t.appendBatch(toBatch([mk('view', 3), mk('cart', 4), mk('buy', 5)]));
    const { block } = t.read(['qty']);
    const qty = block.columns.get('qty')!;
    expect(qty.kind === 'num' && [...qty.values]).toEqual([4, 2, 5, 1, 3]);
    expect([...block.event]).toEqual([0, 1, 2, 3, 4]);
  });

  it('forgets a batch whose write fails, in memory and in SQLite', () => {
    const storage = nodeStorage();
    const t = new ColumnarTable(storage, SCHEMA);
    t.appendBatch(toBatch([{ person: 'a', stamp: 1, action: 'buy', rows: [{}] }]));
    storage.failAfter(1);
    const second: Ev = { person: 'b', stamp: 2, action: 'buy', rows: [{}] };
    expect(() => t.appendBatch(toBatch([second]))).toThrow(/injected/);
    expect(t.read([]).people.ids).toEqual(['a']);
    expect(t.appendBatch(toBatch([second])).inserted).toBe(1);
    expect(t.read([]).people.ids).toEqual(['a', 'b']);
  });

  it('writes batches over 1 MB as several parts atomically, and reads them back after reload', () => {
    const storage = nodeStorage();
    const t = new ColumnarTable(storage, SCHEMA);
    const big = (tag: string): Ev[] => Array.from({ length: 300 }, (_, i) => ({
      person: `p${i % 10}`, stamp: i, action: 'buy', rows: [{ tag: `${tag}${i}-${'x'.repeat(5000)}` }],
    }));
    t.read([]);
    storage.failAfter(2);
    expect(() => t.appendBatch(toBatch(big('a')))).toThrow(/injected/);
    expect(storage.db.prepare('SELECT count(*) AS n FROM store_delta').get()).toEqual({ n: 0 });
    expect(t.appendBatch(toBatch(big('b'))).inserted).toBe(300);
    expect(Number((storage.db.prepare('SELECT count(*) AS n FROM store_delta').get() as { n: number }).n)).toBeGreaterThan(1);
    const again = new ColumnarTable(storage, SCHEMA);
    expect(actual(again)).toEqual(expected(big('b')));
    again.compact();
    expect(actual(new ColumnarTable(storage, SCHEMA))).toEqual(expected(big('b')));
  });

  it('drops a column for good: not in chunks, not in deltas, not after re-adding the name', () => {
    const storage = nodeStorage();
    const t = new ColumnarTable(storage, SCHEMA);
    t.appendBatch(toBatch([{ person: 'a', stamp: 1, action: 'buy', rows: [{ tag: 'secret' }] }]));
    t.compact();
    t.appendBatch(toBatch([{ person: 'a', stamp: 2, action: 'buy', rows: [{ tag: 'secret2' }] }]));
    t.dropColumn(3);
    const dump = storage.db.prepare('SELECT bytes FROM store_chunk UNION ALL SELECT bytes FROM store_delta').all();
    for (const row of dump) expect(Buffer.from(row.bytes as Uint8Array).includes('secret')).toBe(false);
    const readded: TableSchema = { ...SCHEMA, columns: [...SCHEMA.columns.filter((c) => c.id !== 3), { name: 'tag', type: 'text', isSet: false, id: 7 }] };
    const again = new ColumnarTable(storage, readded);
    const v = again.read(['tag']).block.columns.get('tag')!;
    expect(v.kind === 'text' && [...v.codes]).toEqual([-1, -1]);
    expect(() => again.read(['nope'])).toThrow(/does not exist/);
  });

  it('clear removes every row and keeps the version increasing', () => {
    const storage = nodeStorage();
    const t = new ColumnarTable(storage, SCHEMA);
    t.appendBatch(toBatch([{ person: 'a', stamp: 1, action: 'buy', rows: [{}] }]));
    const v = t.version;
    t.clear();
    expect(t.version).toBeGreaterThan(v);
    expect(t.read([]).block.length).toBe(0);
    const reloaded = new ColumnarTable(storage, SCHEMA);
    expect(reloaded.version).toBe(t.version);
    expect(reloaded.read([]).people.ids).toEqual([]);
    expect(reloaded.appendBatch(toBatch([{ person: 'a', stamp: 1, action: 'buy', rows: [{}] }])).inserted).toBe(1);
  });

  it('person rows carry typed values and event numbers; stats add up', () => {
    const storage = nodeStorage();
    const store = new PartitionStore(storage);
    const t = store.table(SCHEMA);
    t.appendBatch(toBatch([
      { person: 'tommy', stamp: 2, action: 'buy', rows: [{ flag: true, tags: ['s', 'm'], price: 17.99 }, { qty: 3 }] },
      { person: 'tommy', stamp: 1, action: 'view', rows: [{ flag: false }] },
      { person: 5, stamp: 1, action: 'view', rows: [{}] },
    ]));
    expect(personRows(t, SCHEMA, 'tommy')).toEqual({
      id: 'tommy',
      rows: [
        { stamp: 1, action: 'view', event: 0, values: { flag: false } },
        { stamp: 2, action: 'buy', event: 1, values: { price: 17.99, tags: ['s', 'm'], flag: true } },
        { stamp: 2, action: 'buy', event: 1, values: { qty: 3 } },
      ],
    });
    expect(personRows(t, SCHEMA, '5')).toBeNull();
    expect(personRows(t, SCHEMA, 5)?.rows.length).toBe(1);
    t.compact();
    const s = store.stats();
    expect(s.rows).toBe(4);
    expect(s.people).toBe(2);
    expect(s.deltas).toBe(0);
    expect(s.chunks).toBeGreaterThanOrEqual(5 + SCHEMA.columns.length);
    expect(s.sqliteBytes).toBeGreaterThan(0);
    store.dropTable(SCHEMA.name);
    expect(store.table(SCHEMA).read([]).block.length).toBe(0);
  });

  it('compacts many small inserts into the same result as one big insert', () => {
    const events: Ev[] = [];
    for (let i = 0; i < 3000; i++) {
      events.push({ person: `p${(i * 7919) % 97}`, stamp: 1000 + ((i * 31) % 500), action: ['buy', 'view', 'cart'][i % 3]!, rows: [{ qty: i, tag: `t${i % 300}` }] });
    }
    const one = new ColumnarTable(nodeStorage(), SCHEMA);
    one.appendBatch(toBatch(events));
    const many = new ColumnarTable(nodeStorage(), SCHEMA);
    for (let i = 0; i < events.length; i += 42) {
      many.appendBatch(toBatch(events.slice(i, i + 42)));
      if (i % 420 === 0) many.compact();
    }
    expect(actual(many)).toEqual(actual(one));
    expect(actual(many)).toEqual(expected(events));
  });
});

describe('GroupCommit', () => {
  it('commits inserts staged in the same turn in one transaction; rows are readable once resolved', async () => {
    const storage = nodeStorage();
    const store = new PartitionStore(storage);
    const group = new GroupCommit(storage);
    const t = store.table(SCHEMA);
    const a: Ev = { person: 'a', stamp: 1, action: 'buy', rows: [{}] };
    const b: Ev = { person: 'b', stamp: 2, action: 'buy', rows: [{}] };
    const sa = t.stage(toBatch([a]));
    const sb = t.stage(toBatch([b, a]));
    expect(sb.counts).toEqual({ inserted: 1, duplicates: 1, rows: 1 });
    expect(t.read([]).block.length).toBe(0);
    expect(t.personIndex('a')).toBeUndefined();
    await Promise.all([group.commit(sa), group.commit(sb)]);
    expect(group.flushes).toBe(1);
    expect(group.inserts).toBe(2);
    expect(t.read([]).people.ids).toEqual(['a', 'b']);
    expect(actual(new ColumnarTable(storage, SCHEMA))).toEqual(expected([a, b]));
  });

  it('rejects every insert of a failed transaction and forgets them', async () => {
    const storage = nodeStorage();
    const group = new GroupCommit(storage);
    const t = new ColumnarTable(storage, SCHEMA);
    t.read([]);
    const a: Ev = { person: 'a', stamp: 1, action: 'buy', rows: [{}] };
    const b: Ev = { person: 'b', stamp: 2, action: 'buy', rows: [{}] };
    const pa = group.commit(t.stage(toBatch([a])));
    const pb = group.commit(t.stage(toBatch([b])));
    storage.failAfter(2);
    await expect(pa).rejects.toThrow(/injected/);
    await expect(pb).rejects.toThrow(/injected/);
    expect(t.read([]).block.length).toBe(0);
    await group.commit(t.stage(toBatch([a, b])));
    expect(actual(t)).toEqual(expected([a, b]));
  });

  it('drops inserts staged before a clear instead of applying them to the cleared table', async () => {
    const storage = nodeStorage();
    const group = new GroupCommit(storage);
    const t = new ColumnarTable(storage, SCHEMA);
    const a: Ev = { person: 'a', stamp: 1, action: 'buy', rows: [{}] };
    const pending = group.commit(t.stage(toBatch([a])));
    t.clear();
    await pending;
    expect(t.read([]).block.length).toBe(0);
    expect(new ColumnarTable(storage, SCHEMA).read([]).block.length).toBe(0);
    const v = t.version;
    await group.commit(t.stage(toBatch([a])));
    expect(t.version).toBe(v + 1);
    expect(actual(new ColumnarTable(storage, SCHEMA))).toEqual(expected([a]));
  });
});
