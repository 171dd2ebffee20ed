import { describe, expect, it } from 'vitest';
import { nodeStorage } from './node-sql.ts';
import { PeopleBitmap } from '../../shards/index/bitmap.ts';
import { SegmentStore } from '../../shards/index/segments.ts';
import { SegmentRegistry } from '../../shards/query/registry.ts';
import type { QueryRequest, SegmentDef } from '../../shards/query/types.ts';
import { fanOut } from '../../workers/fanout.ts';
import { refreshDueSegments, type QueryBackend } from '../../workers/query-endpoints.ts';
import { DbError } from '../../lang/errors.ts';

const def = (name: string, refresh: number | null): SegmentDef => ({ name, script: `match where x == '${name}':\n    tally`, ttl: 300_000, useCached: true, refresh });

describe('SegmentStore', () => {
  it('stores bitmaps with definition, time and version in SQLite', () => {
    const sql = nodeStorage().sql;
    const a = new SegmentStore(sql);
    const bits = PeopleBitmap.fromOrdinals(70, [0, 5, 69]);
    a.put('t', { name: 's', definition: 'd', computedAt: 123, version: 'v1', bits });
    a.put('u', { name: 's', definition: 'd2', computedAt: 124, version: 'v1', bits: new PeopleBitmap(3) });
    // a fresh instance reads it back from SQLite, not from the in-memory cache
    const b = new SegmentStore(sql);
    const got = b.get('t', 's')!;
    expect([got.definition, got.computedAt, got.version, got.bits.size]).toEqual(['d', 123, 'v1', 70]);
    expect([...got.bits.ordinals()]).toEqual([0, 5, 69]);
    expect(b.list('t')).toEqual([{ name: 's', size: 3, computedAt: 123 }]);
    b.dropTable('t');
    expect(b.get('t', 's')).toBeNull();
    expect(b.list('u').length).toBe(1);
  });
});

describe('SegmentStore with deferred writes', () => {
  it('answers from memory at once and writes to SQLite when the deferred write runs (or before listing)', () => {
    const sql = nodeStorage().sql;
    const deferred: (() => void)[] = [];
    const a = new SegmentStore(sql, (w) => deferred.push(w));
    const seg = (name: string) => ({ name, definition: 'd', computedAt: 1, version: 'v', bits: PeopleBitmap.fromOrdinals(9, [1, 8]) });
    a.put('t', seg('s'));
    a.put('t', seg('r'));
    expect(deferred.length).toBe(1);
    expect([...a.get('t', 's')!.bits.ordinals()]).toEqual([1, 8]);
    expect(new SegmentStore(sql).get('t', 's')).toBeNull();
    deferred[0]!();
    expect(new SegmentStore(sql).list('t').map((x) => x.name)).toEqual(['r', 's']);
    a.put('t', seg('q'));
    expect(a.list('t').map((x) => x.name)).toEqual(['q', 'r', 's']);
    a.dropTable('t');
    expect(a.get('t', 's')).toBeNull();
    deferred[1]!();
    expect(new SegmentStore(sql).list('t')).toEqual([]);
  });
});

describe('SegmentRegistry', () => {
  it('lists definitions and reports refreshes that are due', () => {
    const r = new SegmentRegistry(nodeStorage().sql);
    r.put('t', [def('a', 60_000), def('b', null), def('c', 600_000)], 1_000);
    r.put('u', [def('z', 1_000)], 1_000);
    expect(r.list('t').map((d) => d.name)).toEqual(['a', 'b', 'c']);
    expect(r.list('t')[0]).toEqual(def('a', 60_000));
    expect(r.due(30_000)).toEqual([{ table: 'u', names: ['z'] }]);
    expect(r.due(61_000)).toEqual([{ table: 't', names: ['a'] }, { table: 'u', names: ['z'] }]);
    r.put('t', [def('a', 60_000)], 61_000);
    expect(r.due(61_000)).toEqual([{ table: 'u', names: ['z'] }]);
    r.dropTable('u');
    expect(r.due(10_000_000)).toEqual([{ table: 't', names: ['a', 'c'] }]);
  });
});

describe('refreshDueSegments', () => {
  it('recomputes due segments on every partition (forced) and records the refresh', async () => {
    const calls: { p: number; req: QueryRequest }[] = [];
    const puts: { table: string; names: string[]; now: number }[] = [];
    const backend: QueryBackend = {
      schema: async (table) => ({ name: table, columns: [], zOrder: [] }),
      partitions: async () => 3,
      query: async (p, _s, req) => {
        calls.push({ p, req });
        return { ok: true, value: { results: [{ kind: 'segments', counts: [1], reused: [false] }], rowsScanned: 0 } };
      },
      listSegments: async () => ({ ok: true, value: [] }),
      segmentDefs: async () => [def('a', 60_000), def('b', null)],
      putSegmentDefs: async (table, defs, now) => void puts.push({ table, names: defs.map((d) => d.name), now }),
    };
    expect(await refreshDueSegments(backend, [{ table: 't', names: ['a'] }], 99)).toEqual([]);
    expect(calls.map((c) => c.p).sort()).toEqual([0, 1, 2]);
    expect(calls[0].req.steps).toEqual([{ kind: 'segments', sections: [def('a', 60_000)], force: true }]);
    expect(puts).toEqual([{ table: 't', names: ['a'], now: 99 }]);
    // a table that fails is reported and the others still refresh
    const failing: QueryBackend = { ...backend, schema: async (table) => {
      if (table === 'gone') throw new DbError('config', 'unknown_table', "table 'gone' does not exist");
      return { name: table, columns: [], zOrder: [] };
    } };
    calls.length = 0;
    expect(await refreshDueSegments(failing, [{ table: 'gone', names: ['a'] }, { table: 't', names: ['a'] }], 100)).toEqual(["gone: table 'gone' does not exist"]);
    expect(calls.length).toBe(3);
  });
});

describe('fanOut', () => {
  it('answers in partition order when every shard succeeds', async () => {
    expect(await fanOut(4, async (p) => ({ ok: true, value: p * 10 }))).toEqual([0, 10, 20, 30]);
  });
  it('fails as a whole when one shard reports an error or does not answer', async () => {
    const err = await fanOut(3, async (p) =>
      p === 1 ? { ok: false, error: { class: 'run_time', message: 'budget_exceeded', detail: 'x', line: 2 } } : { ok: true, value: p },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DbError);
    expect(err.body).toEqual({ class: 'run_time', message: 'budget_exceeded', detail: 'x', line: 2 });
    const down = await fanOut(3, async (p) => {
      if (p === 2) throw new Error('connection reset');
      return { ok: true, value: p };
    }).catch((e) => e);
    expect(down.body.message).toBe('shard_failed');
    expect(down.body.detail).toMatch(/partition 2 did not answer: connection reset/);
  });
});

describe('surviving a storage wipe (snapshot restore)', () => {
  it('recreates its table when it vanished', () => {
    const st = nodeStorage();
    const store = new SegmentStore(st.sql);
    const reg = SegmentRegistry.of(st.sql);
    st.sql.exec('DROP TABLE q_segments');
    st.sql.exec('DROP TABLE q_segment_defs');
    expect(store.get('t', 's')).toBeNull();
    store.put('t', { name: 's', definition: 'd', computedAt: 1, version: 'v', bits: new PeopleBitmap(5) });
    expect(store.list('t')).toEqual([{ name: 's', size: 0, computedAt: 1 }]);
    expect(reg.list('t')).toEqual([]);
    reg.put('t', [def('a', null)], 1);
    expect(reg.list('t').map((d) => d.name)).toEqual(['a']);
  });
});
