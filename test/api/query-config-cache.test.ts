/**
 * Queries and person reads use the router's cached config without asking the sentinel; a change made
 * meanwhile (column added or dropped, segment redefined) must still be seen: the router's own
 * validation or the shards' epoch check (`stale_config`) makes it refresh and redo the request.
 * Table and segment changes below go straight to the sentinel, so the router's cache is stale each time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

let srv: Server;
beforeAll(async () => {
  srv = await startServer();
  expect((await srv.put('/v1/cluster/init?partitions=3')).status).toBe(200);
  expect((await srv.post('/v1/table/c', { columns: [{ name: 'a', type: 'text' }] })).status).toBe(200);
  const evs = ['p1', 'p2', 'p3', 'p4'].map((person, i) => ({ person, stamp: 1_600_000_000 + i, action: 'go', _: { a: i < 3 ? 'x' : 'y' } }));
  expect((await srv.post('/v1/insert/c', evs)).status).toBe(200);
});
afterAll(async () => { await srv?.stop(); });

const event = (script: string, query = '') => srv.post(`/v1/query/c/event${query}`, script, 'text/plain');

describe('cached config', () => {
  it('sees a column added after the config was cached', async () => {
    expect((await event('match:\n    tally(a)\n')).status).toBe(200);
    expect((await srv.put('/v1/table/c/column/b?type=int')).status).toBe(200);
    // The insert is rejected by the shards as stale and retried: the router's cache is current again.
    expect((await srv.post('/v1/insert/c', [{ person: 'p1', stamp: 1_700_000_000, action: 'go', _: { b: 7 } }])).status).toBe(200);
    expect((await srv.put('/v1/table/c/column/note?type=text')).status).toBe(200);
    // Stale again: 'note' is unknown to the cached schema.
    const r = await event('match where note == None and b != None:\n    tally(b)\n');
    expect(r.body).toEqual({ _: [{ g: 7, c: [1] }] });
    expect((await srv.put('/v1/table/c/column/other?type=text')).status).toBe(200);
    expect((await srv.get('/v1/query/c/column/other')).status).toBe(200);
    const p = await srv.get('/v1/query/c/person?sid=p1');
    expect(p.status).toBe(200);
    expect(p.body.rows.map((row: any) => row.attr)).toEqual([{ a: 'x' }, { b: 7 }]);
  });

  it('rejects a dropped column although the cached schema still has it', async () => {
    expect((await srv.get('/v1/query/c/column/b')).status).toBe(200);
    expect((await srv.del('/v1/table/c/column/b')).status).toBe(200);
    // The cached schema still has 'b': the shards reject the stale config, and the current one does not know 'b'.
    const r = await event('match:\n    tally(b)\n');
    expect(r.status).toBe(400);
    expect(r.body.error.message).not.toBe('stale_config');
    expect(r.body.error.detail).toContain("'b'");
    expect((await srv.put('/v1/table/c/column/again?type=int')).status).toBe(200);
    expect((await srv.get('/v1/query/c/column/again')).status).toBe(200);
    expect((await srv.del('/v1/table/c/column/again')).status).toBe(200);
    expect((await srv.get('/v1/query/c/column/again')).body.error.message).toBe('unknown_column');
    const p = await srv.get('/v1/query/c/person?sid=p1');
    expect(p.body.rows.map((row: any) => row.attr)).toEqual([{ a: 'x' }, {}]);
  });

  it('uses the current definition of a segment redefined after the config was cached', async () => {
    const define = (value: string) => srv.post('/v1/query/c/segment', `@segment s\n    match where a == '${value}':\n        tally\n`, 'text/plain');
    expect((await define('x')).body).toEqual({ _: [{ g: 's', c: [3] }] });
    expect((await event('match:\n    tally(a)\n', '?segments=s')).body).toEqual({ _: [{ g: 'x', c: [3] }] });
    expect((await define('y')).body).toEqual({ _: [{ g: 's', c: [1] }] });
    expect((await event('match:\n    tally(a)\n', '?segments=s')).body).toEqual({ _: [{ g: 'y', c: [1] }] });
    // Repeating a definition registers nothing and reuses the stored bitmap.
    expect((await define('y')).body).toEqual({ _: [{ g: 's', c: [1] }] });
    expect((await srv.get('/v1/query/c/segment')).body.segments.map((d: any) => [d.name, d.size])).toEqual([['s', 1]]);
  });
});
