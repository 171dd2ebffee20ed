import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.ts';

let srv: Server;
beforeAll(async () => {
  srv = await startServer();
  expect((await srv.put('/v1/cluster/init?partitions=5')).status).toBe(200);
  const t = await srv.post('/v1/table/ev', {
    columns: [
      { name: 'n', type: 'int' },
      { name: 'price', type: 'double' },
      { name: 'label', type: 'text' },
      { name: 'flag', type: 'bool' },
      { name: 'tags', type: 'text', is_set: true },
      { name: 'codes', type: 'int', is_set: true },
      { name: 'ratios', type: 'double', is_set: true },
      { name: 'bits', type: 'bool', is_set: true },
    ],
    z_order: ['purchase', 'cart_item'],
  });
  expect(t.status).toBe(200);
});
afterAll(async () => { await srv?.stop(); });

function expectError(r: { status: number; body: any }, status: number, message: string, detail?: RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.message).toBe(message);
  if (detail) expect(r.body.error.detail).toMatch(detail);
}

async function person(q: string): Promise<any> {
  const r = await srv.get(`/v1/query/ev/person?${q}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const T0 = Date.UTC(2020, 0, 1, 12, 0, 0);

describe('insert → person round trip', () => {
  it('stores every column type and returns it', async () => {
    const r = await srv.post('/v1/insert/ev', [{
      person: 'Alice', stamp: '2020-01-01T12:00:00Z', action: 'view',
      _: { n: 42.9, price: 17.99, label: 'Hello', flag: true, tags: ['red', 'small'], codes: [3, 1], ratios: [0.5], bits: [true, false] },
    }]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ message: 'yummy', inserted: 1, duplicates: 0, rejected: [] });
    expect(await person('sid=ALICE')).toEqual({
      id_string: 'alice',
      rows: [{
        stamp: T0, stamp_iso: '2020-01-01T12:00:00.000Z', action: 'view',
        attr: { n: 42, price: 17.99, label: 'Hello', flag: true, tags: ['red', 'small'], codes: [3, 1], ratios: [0.5], bits: [true, false] },
      }],
    });
  });

  it('coerces values to column types and omits nulls', async () => {
    const r = await srv.post('/v1/insert/ev', [{ person: 'coerce', stamp: T0, action: 'a', _: { n: '7', price: '2.5', label: 12, flag: 0, tags: 'solo', codes: null } }]);
    expect(r.body.inserted).toBe(1);
    expect((await person('sid=coerce')).rows[0].attr).toEqual({ n: 7, price: 2.5, label: '12', flag: false, tags: ['solo'] });
  });

  it('integer ids are their own namespace', async () => {
    await srv.post('/v1/insert/ev', [
      { id: 12345, stamp: T0, action: 'int-id' },
      { person: '12345', stamp: T0, action: 'string-id' },
    ]);
    expect(await person('id=12345')).toEqual({ id: 12345, rows: [{ stamp: T0, stamp_iso: '2020-01-01T12:00:00.000Z', action: 'int-id', attr: {} }] });
    expect((await person('sid=12345')).rows.map((x: any) => x.action)).toEqual(['string-id']);
  });

  it('ISO offsets, fractions, space separator, epoch seconds and milliseconds', async () => {
    await srv.post('/v1/insert/ev', [
      { person: 'times', stamp: '2020-01-01T14:00:00+02:00', action: 'offset' },
      { person: 'times', stamp: '2020-01-01 12:00:01.5', action: 'fraction' },
      { person: 'times', stamp: T0 / 1000 + 2, action: 'seconds' },
      { person: 'times', stamp: T0 + 3000, action: 'millis' },
      { person: 'times', stamp: '2020-01-01T07:00:04-05:00', action: 'negative-offset' },
    ]);
    const rows = (await person('sid=times')).rows;
    expect(rows.map((x: any) => [x.action, x.stamp])).toEqual([
      ['offset', T0], ['fraction', T0 + 1500], ['seconds', T0 + 2000], ['millis', T0 + 3000], ['negative-offset', T0 + 4000],
    ]);
    expect(rows[1].stamp_iso).toBe('2020-01-01T12:00:01.500Z');
  });

  it('orders by stamp, then z-order for equal stamps (unlisted after listed), then arrival', async () => {
    await srv.post('/v1/insert/ev', [
      { person: 'z', stamp: T0, action: 'other', _: { n: 1 } },
      { person: 'z', stamp: T0, action: 'cart_item', _: { n: 2 } },
      { person: 'z', stamp: T0 - 1000, action: 'late-arrival-earlier-stamp' },
      { person: 'z', stamp: T0, action: 'purchase', _: { n: 3 } },
      { person: 'z', stamp: T0, action: 'cart_item', _: { n: 4 } },
    ]);
    await srv.post('/v1/insert/ev', [{ person: 'z', stamp: T0, action: 'purchase', _: { n: 5 } }]);
    const rows = (await person('sid=z')).rows;
    expect(rows.map((x: any) => [x.action, x.attr.n ?? null])).toEqual([
      ['late-arrival-earlier-stamp', null],
      ['purchase', 3], ['purchase', 5],
      ['cart_item', 2], ['cart_item', 4],
      ['other', 1],
    ]);
  });

  it('complex events expand into rows and fold back into nested form', async () => {
    const nested = { label: 'order', _: [{ n: 1, tags: ['a'] }, { n: 2, _: [{ price: 1.5 }, { price: 2.5 }] }] };
    const r = await srv.post('/v1/insert/ev', [{ person: 'cx', stamp: T0, action: 'purchase', _: nested }]);
    expect(r.body).toMatchObject({ inserted: 1, rows: 3 });
    const rows = (await person('sid=cx')).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].attr).toEqual({ label: 'order', _: [{ n: 1, tags: ['a'] }, { n: 2, _: [{ price: 1.5 }, { price: 2.5 }] }] });
  });

  it('re-inserting identical events creates no duplicates', async () => {
    const evs = [
      { person: 'dup', stamp: T0, action: 'a', _: { n: 1 } },
      { person: 'dup', stamp: T0, action: 'a', _: { n: 2 } },
      { person: 'dup', stamp: T0, action: 'b', _: { _: [{ n: 1 }, { n: 2 }] } },
    ];
    expect((await srv.post('/v1/insert/ev', evs)).body).toMatchObject({ inserted: 3, duplicates: 0 });
    const again = await srv.post('/v1/insert/ev', [...evs, { person: 'DUP', stamp: new Date(T0).toISOString(), action: 'a', _: { n: '1', unknown: 1 } }]);
    expect(again.body).toMatchObject({ inserted: 0, duplicates: 4 });
    expect((await person('sid=dup')).rows).toHaveLength(3);
  });

  it('accepts NDJSON, rejecting unparsable lines per row', async () => {
    const body = [
      JSON.stringify({ person: 'nd', stamp: T0, action: 'one' }),
      '',
      '{not json',
      JSON.stringify({ person: 'nd', stamp: T0 + 1, action: 'two' }),
    ].join('\n');
    const r = await srv.post('/v1/insert/ev', body, 'application/x-ndjson');
    expect(r.status).toBe(200);
    expect(r.body.inserted).toBe(2);
    expect(r.body.rejected).toHaveLength(1);
    expect(r.body.rejected[0]).toMatchObject({ index: 1 });
    expect(r.body.rejected[0].error).toMatch(/line 3 is not valid JSON/);
    expect((await person('sid=nd')).rows.map((x: any) => x.action)).toEqual(['one', 'two']);
  });
});

describe('insert validation', () => {
  it('stores valid rows and reports each rejected row with its reason', async () => {
    const r = await srv.post('/v1/insert/ev', [
      { person: 'mixed', stamp: T0, action: 'ok', _: { n: 1, nope: 2, nada: 3 } },
      { stamp: T0, action: 'x' },
      { person: 'mixed', stamp: 'not a date', action: 'x' },
      { person: 'mixed', stamp: T0 },
      { person: 'mixed', stamp: T0, action: 'x', _: { n: [1, 2] } },
      { person: 'mixed', stamp: T0, action: 'x', _: { flag: 'maybe' } },
      'a string',
    ]);
    expect(r.status).toBe(200);
    expect(r.body.inserted).toBe(1);
    expect(r.body.unknown_attributes).toBe(2);
    expect(r.body.unknown_columns.sort()).toEqual(['nada', 'nope']);
    expect(r.body.rejected.map((x: any) => x.index)).toEqual([1, 2, 3, 4, 5, 6]);
    const errors = r.body.rejected.map((x: any) => x.error);
    expect(errors[0]).toMatch(/missing person/);
    expect(errors[1]).toMatch(/not a date/);
    expect(errors[2]).toMatch(/missing action/);
    expect(errors[3]).toMatch(/'n' is not a set column/);
    expect(errors[4]).toMatch(/'flag' \(bool\)/);
    expect(errors[5]).toMatch(/JSON object/);
  });

  it('400 when every row is rejected, with the list', async () => {
    const r = await srv.post('/v1/insert/ev', [{ person: 'x' }, { stamp: 1 }]);
    expectError(r, 400, 'all_rejected', /all 2 events/);
    expect(r.body.rejected).toHaveLength(2);
  });

  it('400 for bodies that are not JSON or not arrays; 415 for unknown media types', async () => {
    expectError(await srv.post('/v1/insert/ev', '[{"person":'), 400, 'bad_json', /not valid JSON/);
    expectError(await srv.post('/v1/insert/ev', { person: 'x', stamp: 1, action: 'a' }), 400, 'not_an_array', /JSON array/);
    expectError(await srv.post('/v1/insert/ev', '[]', 'application/xml'), 415, 'unsupported_media_type', /application\/xml/);
  });

  it('an empty array inserts nothing', async () => {
    expect((await srv.post('/v1/insert/ev', [])).body).toMatchObject({ inserted: 0, rejected: [] });
  });

  it('400 for an unknown table', async () => {
    expectError(await srv.post('/v1/insert/nosuch', [{ person: 'a', stamp: 1, action: 'x' }]), 400, 'unknown_table', /'nosuch'/);
  });

  it('413 above 10,000 events or 10 MB, with a message', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ person: 'p' + i, stamp: T0, action: 'a' }));
    expectError(await srv.post('/v1/insert/ev', many), 413, 'too_many_events', /10001 events.*10000/);
    const big = '[' + JSON.stringify({ person: 'big', stamp: T0, action: 'a', _: { label: 'x'.repeat(11 * 1024 * 1024) } }) + ']';
    expectError(await srv.post('/v1/insert/ev', big), 413, 'body_too_large', /10 MB/);
  });

  it('413 for a streamed body without Content-Length that grows past 10 MB', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 12) c.enqueue(chunk);
        else c.close();
      },
    });
    const init = { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/json' } };
    const r = await srv.fetch('/v1/insert/ev', init as RequestInit);
    expectError({ status: r.status, body: await r.json() }, 413, 'body_too_large', /more than 10485760 bytes/);
  });

  it('accepts exactly 10,000 events', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ person: 'bulk' + (i % 500), stamp: T0 + i, action: 'a', _: { n: i } }));
    const r = await srv.post('/v1/insert/ev', many);
    expect(r.status).toBe(200);
    expect(r.body.inserted).toBe(10_000);
    expect((await person('sid=bulk7')).rows).toHaveLength(20);
  });
});

describe('person endpoint errors', () => {
  it('missing, conflicting or malformed parameters, unknown person and table', async () => {
    expectError(await srv.get('/v1/query/ev/person'), 400, 'missing_parameter', /sid=.*id=/);
    expectError(await srv.get('/v1/query/ev/person?sid=a&id=1'), 400, 'bad_parameter', /not both/);
    expectError(await srv.get('/v1/query/ev/person?id=abc'), 400, 'bad_parameter', /integer/);
    expectError(await srv.get('/v1/query/ev/person?sid='), 400, 'bad_parameter', /empty/);
    expectError(await srv.get('/v1/query/ev/person?sid=nobody'), 400, 'unknown_person', /'nobody'/);
    expectError(await srv.get('/v1/query/ev/person?id=999'), 400, 'unknown_person', /id=999/);
    expectError(await srv.get('/v1/query/nosuch/person?sid=alice'), 400, 'unknown_table');
  });
});

describe('schema changes', () => {
  it('a dropped column never shows its old data, even when re-added', async () => {
    await srv.put('/v1/table/ev/column/temp?type=text');
    await srv.post('/v1/insert/ev', [{ person: 'dropper', stamp: T0, action: 'a', _: { temp: 'old', n: 1 } }]);
    expect((await person('sid=dropper')).rows[0].attr).toEqual({ temp: 'old', n: 1 });
    expect((await srv.del('/v1/table/ev/column/temp')).status).toBe(200);
    expect((await person('sid=dropper')).rows[0].attr).toEqual({ n: 1 });
    const insertDropped = await srv.post('/v1/insert/ev', [{ person: 'dropper', stamp: T0 + 1, action: 'b', _: { temp: 'ignored' } }]);
    expect(insertDropped.body.unknown_attributes).toBe(1);
    expect((await srv.put('/v1/table/ev/column/temp?type=int')).status).toBe(200);
    const rows = (await person('sid=dropper')).rows;
    expect(rows.map((x: any) => x.attr)).toEqual([{ n: 1 }, {}]);
    await srv.post('/v1/insert/ev', [{ person: 'dropper', stamp: T0 + 2, action: 'c', _: { temp: 5 } }]);
    expect((await person('sid=dropper')).rows[2].attr).toEqual({ temp: 5 });
  });
  it('an insert right after a column is added stores it on every partition (the router re-reads a stale cached schema)', async () => {
    expect((await srv.post('/v1/insert/ev', [{ person: 'warm', stamp: T0, action: 'a' }])).status).toBe(200);
    expect((await srv.put('/v1/table/ev/column/fresh?type=int')).status).toBe(200);
    const evs = Array.from({ length: 40 }, (_, i) => ({ person: 'fresh' + i, stamp: T0, action: 'a', _: { fresh: i } }));
    expect((await srv.post('/v1/insert/ev', evs)).body).toMatchObject({ inserted: 40, unknown_attributes: 0 });
    for (const i of [0, 13, 39]) expect((await person('sid=fresh' + i)).rows[0].attr).toEqual({ fresh: i });
  });
});

describe('durability', () => {
  it('acknowledged rows survive a runtime restart', async () => {
    const evs = Array.from({ length: 50 }, (_, i) => ({ person: 'durable' + (i % 5), stamp: T0 + i * 1000, action: 'tick', _: { n: i } }));
    expect((await srv.post('/v1/insert/ev', evs)).body.inserted).toBe(50);
    await srv.restart();
    const rows = (await person('sid=durable3')).rows;
    expect(rows.map((x: any) => x.attr.n)).toEqual([3, 8, 13, 18, 23, 28, 33, 38, 43, 48]);
    expect((await srv.get('/v1/table/ev')).body.z_order).toEqual(['purchase', 'cart_item']);
    expect((await srv.post('/v1/insert/ev', evs)).body).toMatchObject({ inserted: 0, duplicates: 50 });
  });
});
