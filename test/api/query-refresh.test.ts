/** The cron trigger recomputes segments whose `refresh=` interval has elapsed (wrangler --test-scheduled). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

let srv: Server;
beforeAll(async () => {
  srv = await startServer({ args: ['--test-scheduled'] });
  expect((await srv.put('/v1/cluster/init?partitions=3')).status).toBe(200);
  expect((await srv.post('/v1/table/r', { columns: [{ name: 'grp', type: 'text' }] })).status).toBe(200);
});
afterAll(async () => { await srv?.stop(); });

const ev = (person: string, grp: string) => ({ person, stamp: '2020-01-01T00:00:00Z', action: 'a', _: { grp } });
const sizes = async () => Object.fromEntries((await srv.get('/v1/query/r/segment')).body.segments.map((s: any) => [s.name, s.size]));

describe('scheduled segment refresh', () => {
  it('recomputes due segments on the cron trigger and leaves the others alone', async () => {
    expect((await srv.post('/v1/insert/r', [ev('a', 'x'), ev('b', 'y')])).status).toBe(200);
    const body = `@segment fast refresh=1s\n    match where grp == 'x':\n        tally\n@segment slow refresh=1h\n    match where grp == 'x':\n        tally\n@segment never\n    match where grp == 'x':\n        tally\n`;
    expect((await srv.post('/v1/query/r/segment', body, 'text/plain')).status).toBe(200);
    expect(await sizes()).toEqual({ fast: 1, slow: 1, never: 1 });
    expect((await srv.post('/v1/insert/r', [ev('c', 'x'), ev('d', 'x')])).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    const cron = await srv.fetch('/__scheduled?cron=*/5+*+*+*+*');
    expect(cron.status).toBe(200);
    await cron.text();
    let s = await sizes();
    for (let i = 0; i < 20 && s.fast !== 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await sizes();
    }
    expect(s).toEqual({ fast: 3, slow: 1, never: 1 });
  });
});
