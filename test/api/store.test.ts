/**
 * Shard storage end to end in workerd: many small concurrent inserts (group commit, compaction by
 * alarm, deltas on top of chunks) read back in stored order, through a runtime restart, with
 * idempotent re-inserts and storage figures from the stats RPC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

let srv: Server;
beforeAll(async () => {
  srv = await startServer();
  expect((await srv.put('/v1/cluster/init?partitions=1')).status).toBe(200);
  const t = await srv.post('/v1/table/st', {
    columns: [{ name: 'n', type: 'int' }, { name: 'label', type: 'text' }, { name: 'tags', type: 'text', is_set: true }],
    z_order: ['c', 'a'],
  });
  expect(t.status).toBe(200);
});
afterAll(async () => { await srv?.stop(); });

const T0 = Date.UTC(2021, 5, 1);
const REQUESTS = 1150;
const PER_REQUEST = 30;
const ACTIONS = ['a', 'b', 'c', 'd'];
const RANK: Record<string, number> = { c: 0, a: 1, b: 2, d: 2 };

interface Ev { person: string; stamp: number; action: string; _: { n: number; label: string; tags: string[] } }

/** Request r: ten people, three events each; a person's three events tie on stamp. */
function request(r: number): Ev[] {
  const slot = (r * 7919) % REQUESTS;
  return Array.from({ length: PER_REQUEST }, (_, j) => ({
    person: `p${(j + r) % 10}`,
    stamp: T0 + slot * 1000 + (j % 2),
    action: ACTIONS[(j + r) % 4]!,
    _: { n: r * 100 + j, label: `l${(r + j) % 37}`, tags: j % 3 === 0 ? [] : [`t${j % 5}`] },
  }));
}

function expectedNs(person: string, upTo: number): number[] {
  const mine: { e: Ev; r: number; j: number }[] = [];
  for (let r = 0; r < upTo; r++) request(r).forEach((e, j) => { if (e.person === person) mine.push({ e, r, j }); });
  // Ties within one request only, so arrival order is the request's order.
  mine.sort((x, y) => x.e.stamp - y.e.stamp || RANK[x.e.action]! - RANK[y.e.action]! || x.r - y.r || x.j - y.j);
  return mine.map((m) => m.e._.n);
}

async function personNs(id: string): Promise<number[]> {
  const r = await srv.get(`/v1/query/st/person?sid=${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.rows.map((row: { attr: { n: number } }) => row.attr.n);
}

async function shardStats(): Promise<{ rows: number; people: number; chunks: number; deltas: number; sqliteBytes: number; residentBytes: number; commits: { flushes: number; inserts: number } }> {
  const r = await srv.get('/v1/admin/stats');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.shards[0];
}

describe('partition store in workerd', () => {
  it('stores many small concurrent inserts in stored order, compacted, and shares commits', async () => {
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < REQUESTS - 20) {
        const r = next++;
        const res = await srv.post('/v1/insert/st', request(r));
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.inserted).toBe(PER_REQUEST);
      }
    }));
    // Compaction runs from an alarm shortly after the deltas pile up.
    let s = await shardStats();
    for (let i = 0; i < 50 && s.chunks === 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      s = await shardStats();
    }
    expect(s.chunks).toBeGreaterThan(0);
    expect(s.commits.flushes).toBeLessThan(s.commits.inserts);
    // The rest lands in deltas on top of the chunks.
    for (let r = REQUESTS - 20; r < REQUESTS; r++) expect((await srv.post('/v1/insert/st', request(r))).body.inserted).toBe(PER_REQUEST);
    s = await shardStats();
    expect(s.rows).toBe(REQUESTS * PER_REQUEST);
    expect(s.people).toBe(10);
    expect(s.deltas).toBeGreaterThan(0);
    for (const p of ['p0', 'p3', 'p9']) expect(await personNs(p)).toEqual(expectedNs(p, REQUESTS));
  });

  it('keeps every acknowledged row and the dedup state across a restart', async () => {
    await srv.restart();
    for (const p of ['p1', 'p3', 'p7']) expect(await personNs(p)).toEqual(expectedNs(p, REQUESTS));
    const again = await srv.post('/v1/insert/st', [...request(5), ...request(REQUESTS - 1)]);
    expect(again.body).toMatchObject({ inserted: 0, duplicates: 2 * PER_REQUEST });
    const s = await shardStats();
    expect(s.rows).toBe(REQUESTS * PER_REQUEST);
    expect(s.sqliteBytes).toBeGreaterThan(0);
    expect(s.residentBytes).toBeGreaterThan(0);
  });

  it('returns typed attributes and sets after compaction', async () => {
    const rows = (await srv.get('/v1/query/st/person?sid=p4')).body.rows;
    const byN = new Map(rows.map((r: { attr: { n: number } }) => [r.attr.n, r]));
    const e = request(12)[2]!;
    expect(e.person).toBe('p4');
    expect(byN.get(e._.n)).toMatchObject({ stamp: e.stamp, action: e.action, attr: { n: e._.n, label: e._.label, tags: e._.tags } });
  });
});
