import { describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { decodeValue, dumpStorage, encodeValue, loadStorage } from '../../shards/snapshot/storage-dump.ts';
import type { DumpableStorage } from '../../shards/snapshot/storage-dump.ts';

/** Durable Object storage stand-in over node:sqlite: BLOBs come back as ArrayBuffer, like workerd. */
function fakeStorage(): DumpableStorage & { db: DatabaseSync; kv: Map<string, unknown> } {
  const db = new DatabaseSync(':memory:');
  const kv = new Map<string, unknown>();
  const toNode = (v: unknown) => (v instanceof ArrayBuffer ? new Uint8Array(v) : v);
  const toDo = (v: unknown) => (v instanceof Uint8Array ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v);
  return {
    db,
    kv,
    sql: {
      exec(query: string, ...bindings: unknown[]) {
        const st = db.prepare(query);
        const columnNames = st.columns().map((c) => c.name);
        const rows = columnNames.length
          ? (st.all(...(bindings.map(toNode) as never[])) as Record<string, unknown>[])
          : (st.run(...(bindings.map(toNode) as never[])), []);
        const objects = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toDo(v)])));
        return {
          columnNames,
          toArray: () => objects,
          raw: () => objects.map((o) => columnNames.map((c) => o[c]))[Symbol.iterator](),
        };
      },
    },
    list: async () => new Map(kv),
    put: async (entries) => { for (const [k, v] of Object.entries(entries)) kv.set(k, v); },
    deleteAll: async () => {
      kv.clear();
      for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]) db.exec(`DROP TABLE "${t.name}"`);
    },
  };
}

describe('storage dump', () => {
  it('tags values that JSON cannot hold and restores them', () => {
    const values: unknown[] = [null, undefined, true, 1.5, NaN, -Infinity, 12n, 'x', new Date(5), new Map([['a', [1, 2]]]), new Set([1]),
      new Float64Array([1.25, NaN]), new Uint8Array([1, 2, 3]).buffer, { nested: { deep: [new Int32Array([7])] } }];
    const round = values.map((v) => decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))));
    expect(round).toEqual(values);
  });

  it('dumps SQL tables, indexes and KV pairs and loads them into empty storage', async () => {
    const src = fakeStorage();
    src.sql.exec('CREATE TABLE config (k TEXT PRIMARY KEY, v TEXT)');
    src.sql.exec('CREATE TABLE "odd ""name""" (id INTEGER, blob BLOB, r REAL)');
    src.sql.exec('CREATE INDEX config_v ON config (v)');
    src.sql.exec('INSERT INTO config VALUES (?, ?)', 'partitions', '24');
    src.sql.exec('INSERT INTO "odd ""name""" VALUES (?, ?, ?)', 1, new Uint8Array([9, 8, 7]).buffer, 0.1);
    src.sql.exec('INSERT INTO "odd ""name""" VALUES (?, ?, ?)', 2, null, null);
    await src.put({ segments: new Map([['s', { ttl: 5 }]]), trigger: { script: 'x' } });
    const dump = JSON.parse(JSON.stringify(await dumpStorage(src)));

    const dst = fakeStorage();
    dst.sql.exec('CREATE TABLE stale (x)');
    await dst.put({ old: 1 });
    await loadStorage(dst, dump);
    const tables = dst.sql.exec("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").toArray().map((r) => r.name);
    expect(tables).toEqual(['config', 'odd "name"']);
    expect(dst.sql.exec('SELECT * FROM config').toArray()).toEqual([{ k: 'partitions', v: '24' }]);
    expect(dst.sql.exec('SELECT * FROM "odd ""name""" ORDER BY id').toArray()).toEqual([
      { id: 1, blob: new Uint8Array([9, 8, 7]).buffer, r: 0.1 },
      { id: 2, blob: null, r: null },
    ]);
    expect(dst.sql.exec("SELECT name FROM sqlite_master WHERE type='index'").toArray().map((r) => r.name)).toContain('config_v');
    expect(dst.kv).toEqual(new Map<string, unknown>([['segments', new Map([['s', { ttl: 5 }]])], ['trigger', { script: 'x' }]]));
  });
});
