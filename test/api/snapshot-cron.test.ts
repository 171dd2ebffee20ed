/**
 * The cron trigger takes a cluster snapshot when the newest is older than SNAPSHOT_INTERVAL_MINUTES
 * and keeps SNAPSHOT_RETAIN of them. wrangler dev runs the scheduled handler on
 * GET /cdn-cgi/handler/scheduled; the work runs in waitUntil, so the test polls the listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

async function cronSnapshots(srv: Server): Promise<string[]> {
  const r = await srv.get('/v1/admin/snapshots');
  expect(r.status).toBe(200);
  return r.body.snapshots.filter((s: any) => s.trigger === 'cron').map((s: any) => s.id);
}

async function until<T>(what: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await what();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function tick(srv: Server): Promise<void> {
  const r = await srv.fetch('/cdn-cgi/handler/scheduled');
  expect(r.status).toBe(200);
  await r.text();
}

describe('scheduled snapshots', () => {
  describe('with a long interval', () => {
    let srv: Server;
    beforeAll(async () => {
      srv = await startServer({ vars: { SNAPSHOT_INTERVAL_MINUTES: '60' } });
    });
    afterAll(async () => { await srv?.stop(); });

    it('does nothing before the cluster is initialised, then snapshots once per interval', async () => {
      await tick(srv);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await cronSnapshots(srv)).toEqual([]);
      expect((await srv.put('/v1/cluster/init?partitions=2')).status).toBe(200);
      expect((await srv.post('/v1/table/t', { columns: [{ name: 'n', type: 'int' }] })).status).toBe(200);
      expect((await srv.post('/v1/insert/t', [{ person: 'a', stamp: 1_600_000_000, action: 'x', _: { n: 1 } }])).status).toBe(200);
      await tick(srv);
      const first = await until(() => cronSnapshots(srv), (ids) => ids.length === 1);
      expect(first).toHaveLength(1);
      const described = await srv.get(`/v1/admin/snapshots/${first[0]}`);
      expect(described.body).toMatchObject({ scope: 'cluster', trigger: 'cron', rows: 1 });
      await tick(srv);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await cronSnapshots(srv)).toEqual(first);
    });
  });

  describe('with a tiny interval and SNAPSHOT_RETAIN=2', () => {
    let srv: Server;
    beforeAll(async () => {
      srv = await startServer({ vars: { SNAPSHOT_INTERVAL_MINUTES: '0.0001', SNAPSHOT_RETAIN: '2' } });
      expect((await srv.put('/v1/cluster/init?partitions=1')).status).toBe(200);
    });
    afterAll(async () => { await srv?.stop(); });

    it('keeps only the newest complete snapshots', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) {
        await tick(srv);
        const ids = await until(() => cronSnapshots(srv), (x) => x.some((id) => !seen.has(id)));
        for (const id of ids) seen.add(id);
      }
      expect(seen.size).toBe(3);
      const kept = await until(() => cronSnapshots(srv), (x) => x.length === 2);
      expect(kept).toEqual([...seen].sort().reverse().slice(0, 2));
    });
  });
});
