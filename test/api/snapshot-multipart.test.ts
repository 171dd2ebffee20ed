/**
 * Objects larger than one part go to R2 as multipart uploads. R2 (and Miniflare under wrangler dev)
 * wants every part but the last to be at least 5 MiB, so the test forces the smallest allowed part
 * size and writes a partition of ~8 MB of barely compressible text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

const MIN_PART = 5 * 1024 * 1024;
const EVENTS = 16_000;
const T0 = Date.UTC(2022, 0, 1);

/** Deterministic noise (xorshift) so the text defeats Snappy. */
function noise(seed: number, n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
  let x = seed * 2654435761 + 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    s += alphabet[(x >>> 0) & 63];
  }
  return s;
}

async function ok(r: Promise<{ status: number; body: any }>): Promise<any> {
  const res = await r;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe('multipart snapshot, restore, export and import', () => {
  let srv: Server;
  beforeAll(async () => {
    srv = await startServer();
    await ok(srv.put('/v1/cluster/init?partitions=1'));
    await ok(srv.post('/v1/table/big', { columns: [{ name: 'note', type: 'text' }, { name: 'n', type: 'int' }] }));
    await ok(srv.post('/v1/table/big2', { columns: [{ name: 'note', type: 'text' }, { name: 'n', type: 'int' }] }));
    for (let at = 0; at < EVENTS; at += 2000) {
      const batch = Array.from({ length: 2000 }, (_, i) => ({ person: `p${(at + i) % 500}`, stamp: T0 + at + i, action: 'note', _: { note: noise(at + i, 500), n: at + i } }));
      expect((await ok(srv.post('/v1/insert/big', batch))).inserted).toBe(2000);
    }
  }, 180_000);
  afterAll(async () => { await srv?.stop(); });

  it('snapshots a table in several equal parts and restores it', async () => {
    const before = await ok(srv.get('/v1/query/big/person?sid=p7'));
    const snap = await ok(srv.post(`/v1/admin/snapshot?table=big&part_size=${MIN_PART}`));
    expect(snap).toMatchObject({ scope: 'table', rows: EVENTS });
    expect(snap.bytes).toBeGreaterThan(MIN_PART);
    expect(snap.multipart_parts).toBe(Math.ceil(snap.bytes / MIN_PART));
    // rows added after the snapshot disappear when it is restored
    await ok(srv.post('/v1/insert/big', [{ person: 'late', stamp: T0, action: 'note', _: { n: 1 } }, { person: 'p7', stamp: T0 - 1, action: 'early' }]));
    expect((await ok(srv.get('/v1/query/big/person?sid=p7'))).rows.length).toBe(before.rows.length + 1);
    const r = await ok(srv.post(`/v1/admin/restore?snapshot=${snap.id}`));
    expect(r).toMatchObject({ scope: 'table', tables: [{ name: 'big', rows: EVENTS }] });
    expect(await ok(srv.get('/v1/query/big/person?sid=p7'))).toEqual(before);
    expect((await srv.get('/v1/query/big/person?sid=late')).status).not.toBe(200);
  });

  it('exports to R2 in several parts and imports the object back by key', async () => {
    const res = await srv.fetch(`/v1/table/big/export?to=r2&part_size=${MIN_PART}`);
    const exp = (await res.json()) as any;
    expect(res.status, JSON.stringify(exp)).toBe(200);
    expect(exp.rows).toBe(EVENTS);
    expect(exp.parts).toBeGreaterThanOrEqual(2);
    const imp = await ok(srv.post('/v1/insert/big2', { r2_key: exp.key }));
    expect(imp).toMatchObject({ inserted: EVENTS, rejected_count: 0 });
    expect(imp.batches).toBeGreaterThan(1);
    for (const sid of ['p0', 'p250', 'p499']) {
      const a = await ok(srv.get(`/v1/query/big/person?sid=${sid}`));
      const b = await ok(srv.get(`/v1/query/big2/person?sid=${sid}`));
      expect(b.rows).toEqual(a.rows);
    }
  });
});
