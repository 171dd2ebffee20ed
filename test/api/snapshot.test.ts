/**
 * Backups end to end: snapshot → a brand-new deployment with empty Durable Object storage but the
 * same R2 data → restore, then every answer must match. The "wipe" copies only the R2 part of the
 * wrangler persistence directory (`v3/r2`) into a fresh directory and starts a new `wrangler dev` on
 * it: Durable Objects start empty exactly as in a new deployment, and no admin route that deletes
 * data is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { startServer, type Server } from './harness.ts';

const COLUMNS = [
  { name: 'order_id', type: 'int' },
  { name: 'price', type: 'double' },
  { name: 'shipped', type: 'bool' },
  { name: 'shipper', type: 'text' },
  { name: 'tags', type: 'text', is_set: true },
  { name: 'sizes', type: 'int', is_set: true },
  { name: 'weights', type: 'double', is_set: true },
  { name: 'flags', type: 'bool', is_set: true },
];
const T0 = Date.UTC(2021, 5, 1, 8, 0, 0);
const SHIPPERS = ['fedex', 'ups', 'dhl', 'ünïcode ✓'];

/** Deterministic events: string and integer ids, every type, nulls, sets and complex events. */
function events(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let p = 0; p < 40; p++) {
    const person = p % 5 === 0 ? 1000 + p : `User-${p}`;
    for (let e = 0; e < 6; e++) {
      const k = p * 7 + e;
      const stamp = T0 + (p % 3) * 3_600_000 + e * 60_000 - (e === 5 ? 5 * 60_000 : 0);
      if (e === 2) {
        out.push({
          person, stamp, action: 'purchase',
          _: { order_id: k, shipper: SHIPPERS[k % 4], _: [{ price: 9.99, tags: ['red', 'small'] }, { price: 0.25 * k, tags: ['blue'], _: [{ sizes: [1, 2] }, { sizes: [3] }] }] },
        });
        continue;
      }
      out.push({
        person, stamp, action: e % 2 ? 'view' : 'cart',
        _: {
          order_id: e === 3 ? null : k * 1_000_003,
          price: e === 4 ? null : k / 7,
          shipped: e === 1 ? null : k % 2 === 0,
          shipper: e === 0 ? null : SHIPPERS[k % 4],
          tags: e === 0 ? [] : [`t${k % 3}`, `t${(k + 1) % 3}`],
          sizes: e === 1 ? [] : [k % 10, -(k % 4)],
          weights: [k * 0.5],
          flags: e === 4 ? [true, false] : [],
        },
      });
    }
  }
  return out;
}

function people(): { q: string }[] {
  const out: { q: string }[] = [];
  for (let p = 0; p < 40; p++) out.push({ q: p % 5 === 0 ? `id=${1000 + p}` : `sid=user-${p}` });
  return out;
}

async function ok(r: Promise<{ status: number; body: any }>): Promise<any> {
  const res = await r;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const EVENT_SCRIPT = `aggregate:
    count person
    count action as events
    sum price as spent
match:
    tally(action, shipper)
`;
const SEGMENTS = `@segment cheap:
    match where price < 5:
        tally

@segment tagged_red:
    match where 'red' in tags:
        tally
`;
/** Registered before the snapshot: definitions whose ttl, use_cached and refresh must come back as they were. */
const TIMED_SEGMENTS = `@segment recent_buyers ttl=300s use_cached refresh=600s:
    match where action == 'purchase':
        tally

@segment heavy ttl=90s:
    match where price > 3:
        tally
`;

/** The sentinel's storage image without the change tokens a restore deliberately renews (`version`, `epoch`). */
function durableState(dump: any): unknown {
  return dump.tables.map((t: any) => t.name !== 'config' ? t : { ...t, rows: t.rows.filter((r: any[]) => r[0] !== 'version' && r[0] !== 'epoch') });
}

/** Segment definitions as GET /v1/query/{table}/segment lists them (sizes and times are the shards'). */
async function segmentDefs(srv: Server): Promise<unknown> {
  const list = await ok(srv.get('/v1/query/shop/segment'));
  return list.segments.map(({ name, ttl, use_cached, refresh, script }: any) => ({ name, ttl, use_cached, refresh, script }));
}

/** Every kind of answer the cluster gives about the table. */
async function answers(srv: Server): Promise<unknown> {
  const persons = [];
  for (const { q } of people()) persons.push(await ok(srv.get(`/v1/query/shop/person?${q}`)));
  const text = (path: string, body: string) => ok(srv.post(path, body, 'text/plain'));
  return {
    table: await ok(srv.get('/v1/table/shop')),
    persons,
    event: await text('/v1/query/shop/event', EVENT_SCRIPT),
    eventInSegments: await text('/v1/query/shop/event?segments=cheap,tagged_red', 'match:\n    tally(action)\n'),
    sessions: await text('/v1/query/shop/event?session_time=120000', 'aggregate:\n    count session\nmatch:\n    tally(action)\n'),
    columns: await Promise.all(['shipper', 'tags', 'sizes', 'shipped', 'order_id', 'price?bucket=10', 'weights?gt=3'].map((c) => ok(srv.get(`/v1/query/shop/column/${c}`)))),
    histogram: await text('/v1/query/shop/histogram/spend?bucket=5', 'return SUM price where price != None\n'),
    segments: await text('/v1/query/shop/segment', SEGMENTS),
  };
}

async function exportRows(srv: Server, table: string): Promise<Record<string, unknown>[]> {
  const res = await srv.fetch(`/v1/table/${table}/export`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
  const buf = await res.arrayBuffer();
  return parquetReadObjects({ file: buf });
}

/** Start a new deployment that shares only R2 with `srv` (whose runtime is stopped first). */
async function freshDeploymentWithR2Of(srv: Server): Promise<{ server: Server; dir: string }> {
  await srv.stop();
  const dir = mkdtempSync(join(tmpdir(), 'edgeset-restore-'));
  const r2 = join(srv.persistDir, 'v3', 'r2');
  expect(existsSync(r2)).toBe(true);
  cpSync(r2, join(dir, 'v3', 'r2'), { recursive: true });
  return { server: await startServer({ persistDir: dir }), dir };
}

describe('snapshot → empty deployment → restore', () => {
  let srv: Server;
  let restored: Server | null = null;
  let restoredDir = '';
  let before: unknown;
  let beforeExport: Record<string, unknown>[];
  let beforeSegmentDefs: unknown;
  let snapshotId = '';

  beforeAll(async () => {
    srv = await startServer({ persistDir: mkdtempSync(join(tmpdir(), 'edgeset-snap-')) });
    await ok(srv.put('/v1/cluster/init?partitions=4'));
    await ok(srv.post('/v1/table/shop', { columns: COLUMNS, z_order: ['purchase', 'cart'] }));
    const ins = await ok(srv.post('/v1/insert/shop', events()));
    expect(ins.inserted).toBe(240);
    // a column dropped before the snapshot must stay unreadable after the restore
    await ok(srv.put('/v1/table/shop/column/gone?type=text'));
    await ok(srv.del('/v1/table/shop/column/gone'));
    await ok(srv.post('/v1/query/shop/segment', SEGMENTS, 'text/plain'));
    await ok(srv.post('/v1/query/shop/segment', TIMED_SEGMENTS, 'text/plain'));
    beforeSegmentDefs = await segmentDefs(srv);
    before = await answers(srv);
    // the answers compared after the restore are not trivially empty
    const b = before as any;
    expect(b.event._.length).toBeGreaterThan(1);
    expect(b.eventInSegments._.length).toBeGreaterThan(0);
    expect(b.segments._.map((n: any) => n.c[0]).every((c: number) => c > 0)).toBe(true);
    expect(b.histogram._[0].c[0]).toBeGreaterThan(0);
    beforeExport = await exportRows(srv, 'shop');
  });

  afterAll(async () => {
    const dir = srv?.persistDir;
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await restored?.stop();
    if (restoredDir) rmSync(restoredDir, { recursive: true, force: true });
  });

  it('writes one Parquet file per table and partition plus a manifest', async () => {
    const body = await ok(srv.post('/v1/admin/snapshot'));
    expect(body).toMatchObject({ message: 'snapshot written', scope: 'cluster', trigger: 'admin', partitions: 4, rows: beforeExport.length });
    expect(body.id).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{4}$/);
    snapshotId = body.id;
    const list = await ok(srv.get('/v1/admin/snapshots'));
    expect(list.snapshots.map((s: any) => s.id)).toEqual([snapshotId]);
    const described = await ok(srv.get(`/v1/admin/snapshots/${snapshotId}`));
    const files = described.manifest.tables[0].files;
    expect(files.map((f: any) => f.key)).toEqual([0, 1, 2, 3].map((p) => `snapshots/${snapshotId}/tables/shop/p000${p}.parquet`));
    expect(files.reduce((a: number, f: any) => a + f.rows, 0)).toBe(beforeExport.length);
    expect(described.manifest.sentinel.tables).toEqual(expect.arrayContaining(['config', 'tables']));
  });

  it('a fresh deployment starts empty and is rebuilt from R2 alone', async () => {
    ({ server: restored, dir: restoredDir } = await freshDeploymentWithR2Of(srv));
    const empty = await restored.get('/v1/table/shop');
    expect(empty.status).toBe(400);
    expect((await ok(restored.get('/v1/admin/snapshots'))).snapshots.map((s: any) => s.id)).toEqual([snapshotId]);
    const r = await ok(restored.post('/v1/admin/restore?snapshot=latest'));
    expect(r).toMatchObject({ message: 'restored', id: snapshotId, scope: 'cluster', partitions: 4, tables: [{ name: 'shop', rows: beforeExport.length }] });
    // The restored sentinel holds exactly the snapshot's state: a new snapshot of it carries the same image.
    const taken = (await ok(restored.get(`/v1/admin/snapshots/${snapshotId}?sentinel=full`))).manifest.sentinel;
    const again = await ok(restored.post('/v1/admin/snapshot'));
    const now = (await ok(restored.get(`/v1/admin/snapshots/${again.id}?sentinel=full`))).manifest.sentinel;
    expect(durableState(now)).toEqual(durableState(taken));
    expect(now.kv).toEqual(taken.kv);
    expect(taken.tables.map((t: any) => t.name)).toEqual(expect.arrayContaining(['config', 'tables', 'q_segment_defs']));
    const defs = await segmentDefs(restored);
    expect(defs).toEqual(beforeSegmentDefs);
    expect(defs).toEqual(expect.arrayContaining([
      { name: 'recent_buyers', ttl: 300, use_cached: true, refresh: 600, script: expect.stringContaining("action == 'purchase'") },
      { name: 'heavy', ttl: 90, use_cached: false, refresh: null, script: expect.stringContaining('price > 3') },
    ]));
    expect(await answers(restored)).toEqual(before);
    expect(await exportRows(restored, 'shop')).toEqual(beforeExport);
  });

  it('keeps idempotency and column ids after the restore', async () => {
    const again = await ok(restored!.post('/v1/insert/shop', events()));
    expect(again).toMatchObject({ inserted: 0, duplicates: 240 });
    const added = await ok(restored!.put('/v1/table/shop/column/gone?type=text'));
    expect(added).toBeTruthy();
    // the re-added name gets a new column id, so the old dropped data never reappears
    const p = await ok(restored!.get('/v1/query/shop/person?sid=user-1'));
    expect(p.rows.every((row: any) => !('gone' in row.attr))).toBe(true);
  });

  it('rejects unknown snapshot ids and bad parameters with 400', async () => {
    expect((await restored!.get(`/v1/admin/snapshots/${snapshotId}?sentinel=some`)).status).toBe(400);
    for (const q of ['', '?snapshot=nope', '?snapshot=20990101T000000000Z-abcd']) {
      const r = await restored!.post(`/v1/admin/restore${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
    }
    expect((await restored!.post('/v1/admin/snapshot?table=nope')).status).toBe(400);
    expect((await restored!.post('/v1/admin/snapshot?part_size=1000')).body.error.message).toBe('bad_part_size');
  });
});

describe('export and Parquet import', () => {
  let srv: Server;
  beforeAll(async () => {
    srv = await startServer();
    await ok(srv.put('/v1/cluster/init?partitions=3'));
    await ok(srv.post('/v1/table/shop', { columns: COLUMNS, z_order: ['purchase'] }));
    await ok(srv.post('/v1/insert/shop', events()));
  });
  afterAll(async () => { await srv?.stop(); });

  it('exports the whole table as one Parquet file with every value', async () => {
    const res = await srv.fetch('/v1/table/shop/export');
    const buf = await res.arrayBuffer();
    const meta = parquetMetadata(buf);
    const types = Object.fromEntries(meta.schema.map((e) => [e.name, e.type ?? e.converted_type]));
    expect(types).toMatchObject({ person: 'BYTE_ARRAY', __person_int: 'INT64', stamp: 'INT64', action: 'BYTE_ARRAY', __event: 'INT32', order_id: 'INT64', price: 'DOUBLE', shipped: 'BOOLEAN', shipper: 'BYTE_ARRAY', tags: 'LIST' });
    const rows = await parquetReadObjects({ file: buf });
    // Expected rows straight from the person endpoint, which folds nothing away: one entry per stored row.
    const expected: Record<string, unknown>[] = [];
    for (const { q } of people()) {
      const p = await ok(srv.get(`/v1/query/shop/person?${q}`));
      for (const row of flattenPersonRows(p.rows)) {
        expected.push({ person: p.id_string ?? null, __person_int: p.id_string === undefined ? BigInt(p.id) : null, stamp: new Date(row.stamp), action: row.action, ...row.attr });
      }
    }
    const key = (r: Record<string, unknown>) => JSON.stringify([r.person, String(r.__person_int), (r.stamp as Date).getTime(), r.action, r.order_id === null ? null : String(r.order_id), r.price, r.tags, r.sizes === null ? null : String(r.sizes)]);
    const got = rows.map(({ __event, ...r }) => normalise(r));
    expect(got.map(key).sort()).toEqual(expected.map(normalise).map(key).sort());
    expect(got.sort(byKey(key))).toEqual(expected.map(normalise).sort(byKey(key)));
  });

  it('imports a Parquet body with a missing column and bad values, reporting rejected rows', async () => {
    await ok(srv.post('/v1/table/imported', { columns: COLUMNS }));
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ['Ann', 'Bob', null, 'Cy', 'Dee'], type: 'STRING' },
        { name: 'stamp', data: [new Date(T0), new Date(T0 + 1000), new Date(T0), null, new Date(T0 + 2000)], type: 'TIMESTAMP' },
        { name: 'event', data: ['buy', 'buy', 'buy', 'buy', 'view'], type: 'STRING' },
        { name: 'order_id', data: ['12', 'not a number', '3', '4', '5'], type: 'STRING' },
        { name: 'price', data: [1.5, 2.5, 3.5, 4.5, null], type: 'DOUBLE' },
        { name: 'tags', data: [['x', 'y'], [], ['z'], null, ['w']] },
        { name: 'extra', data: [1, 2, 3, 4, 5], type: 'INT32' },
      ],
    });
    const res = await srv.fetch('/v1/insert/imported', { method: 'POST', headers: { 'content-type': 'application/vnd.apache.parquet' }, body: file });
    const body = await res.json() as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    // unknown attributes are counted on accepted events, as for JSON inserts
    expect(body).toMatchObject({ message: 'yummy', inserted: 2, events: 5, rejected_count: 3, unknown_attributes: 2, unknown_columns: ['extra'] });
    expect(body.rejected.map((x: any) => [x.index, x.row])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(body.rejected[0].error).toMatch(/order_id/);
    const ann = await ok(srv.get('/v1/query/imported/person?sid=ann'));
    expect(ann.rows).toEqual([{ stamp: T0, stamp_iso: new Date(T0).toISOString(), action: 'buy', attr: { order_id: 12, price: 1.5, tags: ['x', 'y'] } }]);
    const dee = await ok(srv.get('/v1/query/imported/person?sid=dee'));
    expect(dee.rows[0].attr).toEqual({ order_id: 5, tags: ['w'] });
  });

  it('rejects a body that is not Parquet and a missing R2 key with 400', async () => {
    const res = await srv.fetch('/v1/insert/imported', { method: 'POST', headers: { 'content-type': 'application/vnd.apache.parquet' }, body: 'PAR1 not really' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe('bad_parquet');
    const missing = await srv.post('/v1/insert/imported', { r2_key: 'exports/none.parquet' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('unknown_r2_key');
  });

  it('round-trips a table through an R2 export and an r2_key import', async () => {
    const exp = await ok(srv.fetch('/v1/table/shop/export?to=r2').then(async (r) => ({ status: r.status, body: await r.json() })));
    expect(exp.key).toMatch(/^exports\/shop\/shop-.*\.parquet$/);
    await ok(srv.post('/v1/table/copy', { columns: COLUMNS, z_order: ['purchase'] }));
    const imp = await ok(srv.post('/v1/insert/copy', { r2_key: exp.key }));
    expect(imp).toMatchObject({ inserted: 240, rejected_count: 0, rows: exp.rows });
    for (const { q } of people()) {
      const a = await ok(srv.get(`/v1/query/shop/person?${q}`));
      const b = await ok(srv.get(`/v1/query/copy/person?${q}`));
      expect(b.rows).toEqual(a.rows);
    }
  });
});

/** Person endpoint rows with complex events unfolded back into one entry per stored row. */
function flattenPersonRows(rows: any[]): { stamp: number; action: string; attr: Record<string, unknown> }[] {
  const out: { stamp: number; action: string; attr: Record<string, unknown> }[] = [];
  const walk = (base: Record<string, unknown>, attr: Record<string, unknown>, row: any) => {
    const { _: children, ...own } = attr as { _?: Record<string, unknown>[] };
    const merged = { ...base, ...own };
    if (!children || children.length === 0) out.push({ stamp: row.stamp, action: row.action, attr: merged });
    else for (const c of children) walk(merged, c, row);
  };
  for (const row of rows) walk({}, row.attr, row);
  return out;
}

function normalise(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of ['person', '__person_int', 'stamp', 'action', ...COLUMNS.map((c) => c.name)]) {
    let v = r[c] ?? null;
    if (Array.isArray(v) && v.length === 0) v = null;
    if (typeof v === 'bigint' && c !== '__person_int') v = Number(v);
    if (Array.isArray(v)) v = v.map((x) => (typeof x === 'bigint' ? Number(x) : x));
    out[c] = v;
  }
  return out;
}

function byKey(key: (r: Record<string, unknown>) => string) {
  return (a: Record<string, unknown>, b: Record<string, unknown>) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}
