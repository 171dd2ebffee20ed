/** The bulk loader CLI (scripts/load.ts) against a real server, for each input format. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { startServer, type Server } from './harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const T0 = Date.UTC(2023, 2, 1);

function load(srv: Server, table: string, file: string, extra: string[] = []): Promise<{ code: number; summary: any; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/load.ts'), '--url', srv.url, '--table', table, '--batch', '2', ...extra, file], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => res({ code: code ?? -1, summary: out ? JSON.parse(out) : null, stderr: err }));
  });
}

describe('npm run load', () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    srv = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'edgeset-load-'));
    expect((await srv.put('/v1/cluster/init?partitions=2')).status).toBe(200);
    for (const t of ['csv', 'nd', 'js', 'pq']) {
      const r = await srv.post(`/v1/table/${t}`, { columns: [{ name: 'total', type: 'double' }, { name: 'note', type: 'text' }, { name: 'tags', type: 'text', is_set: true }] });
      expect(r.status).toBe(200);
    }
  });
  afterAll(async () => {
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads CSV with quoted fields, set cells and a bad row', async () => {
    const file = join(dir, 'events.csv');
    writeFileSync(file, [
      'person,stamp,action,total,note,tags',
      `ann,${T0},buy,1.5,"hello, ""world""\nsecond line","[""a"",""b""]"`,
      `bob,2023-03-01T00:00:01Z,view,,plain,`,
      `,${T0},buy,3,no person,`,
      `cy,${T0},buy,abc,bad total,`,
      '',
    ].join('\n'));
    const { code, summary, stderr } = await load(srv, 'csv', file);
    expect(code, stderr).toBe(0);
    expect(summary).toMatchObject({ format: 'csv', events_sent: 4, inserted: 2, rejected: 2 });
    expect(stderr).toMatch(/rejected event 2:/);
    const ann = await srv.get('/v1/query/csv/person?sid=ann');
    expect(ann.body.rows[0].attr).toEqual({ total: 1.5, note: 'hello, "world"\nsecond line', tags: ['a', 'b'] });
  });

  it('loads NDJSON and JSON arrays in batches', async () => {
    const events = Array.from({ length: 5 }, (_, i) => ({ person: `p${i}`, stamp: T0 + i, action: 'a', _: { total: i } }));
    writeFileSync(join(dir, 'events.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
    const nd = await load(srv, 'nd', join(dir, 'events.ndjson'));
    expect(nd.summary).toMatchObject({ format: 'ndjson', events_sent: 5, inserted: 5, rejected: 0 });
    const js = await load(srv, 'js', join(dir, 'events.json'));
    expect(js.summary).toMatchObject({ format: 'json', events_sent: 5, inserted: 5, rejected: 0 });
    expect(js.summary.events_per_second).toBeGreaterThan(0);
  });

  it('loads a Parquet file, columns mapped by name', async () => {
    const file = join(dir, 'events.parquet');
    writeFileSync(file, new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: 'person', data: ['x', 'y', 'z'], type: 'STRING' },
        { name: 'stamp', data: [new Date(T0), new Date(T0 + 1), new Date(T0 + 2)], type: 'TIMESTAMP' },
        { name: 'action', data: ['a', 'b', 'c'], type: 'STRING' },
        { name: 'total', data: [1, 2, 3], type: 'DOUBLE' },
        { name: 'tags', data: [['t'], [], null] },
      ],
    })));
    const { code, summary, stderr } = await load(srv, 'pq', file);
    expect(code, stderr).toBe(0);
    expect(summary).toMatchObject({ format: 'parquet', events_sent: 3, inserted: 3, rejected: 0 });
    const x = await srv.get('/v1/query/pq/person?sid=x');
    expect(x.body.rows).toEqual([{ stamp: T0, stamp_iso: new Date(T0).toISOString(), action: 'a', attr: { total: 1, tags: ['t'] } }]);
  });

  it('fails with a clear message for an unknown table', async () => {
    const { code, summary } = await load(srv, 'missing', join(dir, 'events.json'));
    expect(code).toBe(1);
    expect(summary).toMatchObject({ inserted: 0, failed_requests: 3 });
  });
});
