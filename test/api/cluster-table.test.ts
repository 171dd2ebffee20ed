import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

let srv: Server;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv?.stop(); });

function expectError(r: { status: number; body: any }, status: number, message: string, detail?: RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.message).toBe(message);
  expect(typeof r.body.error.class).toBe('string');
  expect(typeof r.body.error.detail).toBe('string');
  if (detail) expect(r.body.error.detail).toMatch(detail);
}

describe('before init', () => {
  it('GET /ping', async () => {
    const r = await srv.get('/ping');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ pong: true });
  });

  it('is_member is false', async () => {
    expect((await srv.get('/v1/cluster/is_member')).body).toEqual({ part_of_cluster: false });
  });

  it('tables and inserts need an initialised cluster', async () => {
    expectError(await srv.post('/v1/table/t', { columns: [] }), 400, 'cluster_not_initialised', /cluster\/init/);
    expectError(await srv.get('/v1/table/t'), 400, 'cluster_not_initialised');
    expectError(await srv.post('/v1/insert/t', []), 400, 'cluster_not_initialised');
    expectError(await srv.get('/v1/query/t/person?sid=x'), 400, 'cluster_not_initialised');
  });

  it('init rejects missing, non-numeric and out-of-range partition counts', async () => {
    expectError(await srv.put('/v1/cluster/init'), 400, 'missing_parameter', /partitions/);
    expectError(await srv.put('/v1/cluster/init?partitions='), 400, 'missing_parameter');
    expectError(await srv.put('/v1/cluster/init?partitions=abc'), 400, 'bad_partitions', /'abc'/);
    expectError(await srv.put('/v1/cluster/init?partitions=1.5'), 400, 'bad_partitions');
    expectError(await srv.put('/v1/cluster/init?partitions=-3'), 400, 'bad_partitions');
    expectError(await srv.put('/v1/cluster/init?partitions=0'), 400, 'bad_partitions', /1 to 1000/);
    expectError(await srv.put('/v1/cluster/init?partitions=1001'), 400, 'bad_partitions', /1001/);
  });
});

describe('cluster', () => {
  it('initialises once', async () => {
    const r = await srv.put('/v1/cluster/init?partitions=4');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ message: 'initialised', partitions: 4 });
    expectError(await srv.put('/v1/cluster/init?partitions=4'), 400, 'already_initialised', /4 partitions/);
    expect((await srv.get('/v1/cluster/is_member')).body).toEqual({ part_of_cluster: true });
  });

  it('internode is_member needs the cluster secret', async () => {
    expectError(await srv.get('/v1/internode/is_member'), 401, 'missing_cluster_secret', /x-cluster-secret/);
    const wrong = await srv.fetch('/v1/internode/is_member', { headers: { 'x-cluster-secret': 'nope' } });
    expect(wrong.status).toBe(403);
    expect((await wrong.json() as any).error.message).toBe('bad_cluster_secret');
    const right = await srv.fetch('/v1/internode/is_member', { headers: { 'x-cluster-secret': 'dev-secret-change-me' } });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ part_of_cluster: true });
  });
});

describe('tables', () => {
  it('creates a table with z_order and describes it in creation order', async () => {
    const r = await srv.post('/v1/table/shop', {
      columns: [
        { name: 'price', type: 'double' },
        { name: 'tags', type: 'text', is_set: true },
        { name: 'qty', type: 'int', is_set: false },
        { name: 'gift', type: 'bool' },
      ],
      z_order: ['purchase', 'cart_item'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ message: 'created', table: 'shop' });
    const d = await srv.get('/v1/table/shop');
    expect(d.status).toBe(200);
    expect(d.body).toEqual({
      table: 'shop',
      columns: [
        { name: 'price', type: 'double' },
        { name: 'tags', type: 'text', is_set: true },
        { name: 'qty', type: 'int' },
        { name: 'gift', type: 'bool' },
      ],
      z_order: ['purchase', 'cart_item'],
    });
  });

  it("accepts the seed's 'z-order' spelling and an empty column list", async () => {
    expect((await srv.post('/v1/table/seedy', { columns: [], 'z-order': ['b', 'a'] })).status).toBe(200);
    expect((await srv.get('/v1/table/seedy')).body).toEqual({ table: 'seedy', columns: [], z_order: ['b', 'a'] });
  });

  it('rejects every bad definition with a precise detail', async () => {
    expectError(await srv.post('/v1/table/shop', { columns: [] }), 400, 'table_exists', /'shop' already exists/);
    expectError(await srv.post('/v1/table/Shop2', { columns: [] }), 400, 'bad_table_name', /lower-case/);
    expectError(await srv.post('/v1/table/2shop', { columns: [] }), 400, 'bad_table_name');
    expectError(await srv.post('/v1/table/' + 'x'.repeat(65), { columns: [] }), 400, 'bad_table_name', /64/);
    expectError(await srv.post('/v1/table/t1', '{"columns": ['), 400, 'bad_json', /not valid JSON/);
    expectError(await srv.post('/v1/table/t1', '[1]'), 400, 'bad_table_definition');
    expectError(await srv.post('/v1/table/t1', { columns: 'x' }), 400, 'bad_table_definition', /array/);
    expectError(await srv.post('/v1/table/t1', { columns: [{ name: 'Price', type: 'int' }] }), 400, 'bad_column', /'Price' is invalid/);
    expectError(await srv.post('/v1/table/t1', { columns: [{ name: '9a', type: 'int' }] }), 400, 'bad_column');
    expectError(await srv.post('/v1/table/t1', { columns: [{ name: 'a', type: 'float' }] }), 400, 'bad_column', /type 'float'/);
    expectError(await srv.post('/v1/table/t1', { columns: [{ name: 'a' }] }), 400, 'bad_column', /'type'/);
    expectError(await srv.post('/v1/table/t1', { columns: [{ type: 'int' }] }), 400, 'bad_column', /'name'/);
    expectError(await srv.post('/v1/table/t1', { columns: [{ name: 'a', type: 'int' }, { name: 'a', type: 'text' }] }), 400, 'bad_column', /twice/);
    expectError(await srv.post('/v1/table/t1', { columns: [{ name: 'a', type: 'int', is_set: 'maybe' }] }), 400, 'bad_column', /is_set/);
    for (const reserved of ['person', 'people', 'stamp', 'event_time', 'action', 'session', '__x']) {
      expectError(await srv.post('/v1/table/t1', { columns: [{ name: reserved, type: 'int' }] }), 400, 'bad_column', /reserved/);
    }
    expectError(await srv.post('/v1/table/t1', { columns: [], z_order: 'purchase' }), 400, 'bad_table_definition', /z_order/);
    expectError(await srv.post('/v1/table/t1', { columns: [], z_order: ['a'], 'z-order': ['a'] }), 400, 'bad_table_definition', /either/);
    expectError(await srv.post('/v1/table/t1', { columns: [], z_order: ['a', 'a'] }), 400, 'bad_column', /twice/);
    expectError(await srv.get('/v1/table/t1'), 400, 'unknown_table', /'t1'/);
  });

  it('adds and drops columns; schema changes are visible at once', async () => {
    const add = await srv.put('/v1/table/shop/column/note?type=text');
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    expect(add.body.message).toBe('added');
    const addSet = await srv.put('/v1/table/shop/column/codes?type=int&is_set=true');
    expect(addSet.status).toBe(200);
    let d = (await srv.get('/v1/table/shop')).body;
    expect(d.columns.slice(-2)).toEqual([{ name: 'note', type: 'text' }, { name: 'codes', type: 'int', is_set: true }]);
    const drop = await srv.del('/v1/table/shop/column/note');
    expect(drop.status).toBe(200);
    expect(drop.body).toMatchObject({ message: 'dropped', column: 'note' });
    d = (await srv.get('/v1/table/shop')).body;
    expect(d.columns.map((c: any) => c.name)).toEqual(['price', 'tags', 'qty', 'gift', 'codes']);
  });

  it('rejects bad column changes', async () => {
    expectError(await srv.put('/v1/table/shop/column/price?type=int'), 400, 'column_exists', /'price' already exists/);
    expectError(await srv.put('/v1/table/shop/column/x1'), 400, 'missing_parameter', /type/);
    expectError(await srv.put('/v1/table/shop/column/x1?type=string'), 400, 'bad_column', /'string'/);
    expectError(await srv.put('/v1/table/shop/column/x1?type=int&is_set=perhaps'), 400, 'bad_column', /is_set/);
    expectError(await srv.put('/v1/table/shop/column/Bad?type=int'), 400, 'bad_column', /'Bad' is invalid/);
    expectError(await srv.put('/v1/table/shop/column/action?type=text'), 400, 'bad_column', /reserved/);
    expectError(await srv.put('/v1/table/nosuch/column/x1?type=int'), 400, 'unknown_table');
    expectError(await srv.del('/v1/table/shop/column/nosuch'), 400, 'unknown_column', /'nosuch'/);
    expectError(await srv.del('/v1/table/shop/column/stamp'), 400, 'reserved_column', /built in/);
    expectError(await srv.del('/v1/table/nosuch/column/price'), 400, 'unknown_table');
  });
});

describe('routing', () => {
  it('unknown routes are JSON 404s', async () => {
    expectError(await srv.get('/nope'), 404, 'unknown_route', /GET \/nope/);
    expectError(await srv.post('/v1/tables/x', {}), 404, 'unknown_route');
  });

  it('known paths with a wrong method are JSON 405s with Allow', async () => {
    const r = await srv.del('/v1/table/shop');
    expectError(r, 405, 'method_not_allowed', /DELETE/);
    expect(r.headers.get('allow')).toBe('POST, GET');
    expectError(await srv.get('/v1/insert/shop'), 405, 'method_not_allowed');
    expectError(await srv.post('/v1/cluster/init', {}), 405, 'method_not_allowed');
    expectError(await srv.post('/ping', {}), 405, 'method_not_allowed');
  });
});
