/**
 * Query endpoints over the highstreet sample (data-model.md §10): every endpoint and parameter,
 * the documented values, and the bad-input cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../scripts/load-sample.ts';
import { startServer, type Server } from './harness.ts';

const T = 'highstreet';

const HOME = `@segment products_home ttl=300s use_cached refresh=300s:
    # match one of these
    match where product_group in ['basement', 'garage', 'kitchen', 'bedroom', 'bathroom']:
        tally

@segment products_outdoor ttl=300s use_cached refresh=300s:
    match where product_group in ['outdoor', 'angling']:
        tally

@segment products_commercial:
    match where product_group == 'restaurant':
        tally

@segment products_yard
    match where product_group in ['basement', 'garage']:
        tally
`;

const SECTION10 = `aggregate:
    count person
    count product_name as purchased
    sum product_price as total_spent with product_name
match where 'outdoor' in product_group:
    tally(get_day_of_week(event_time()), product_name)
`;

let srv: Server;
const text = (path: string, body: string) => srv.post(path, body, 'text/plain');

beforeAll(async () => {
  srv = await startServer();
  await loadSample(srv.url, undefined, () => {});
});
afterAll(async () => { await srv?.stop(); });

describe('event query', () => {
  it('gives the data-model §10 values', async () => {
    const r = await text(`/v1/query/${T}/event`, SECTION10);
    expect(r.status).toBe(200);
    const days = Object.fromEntries(r.body._.map((n: any) => [n.g, n.c]));
    expect(days).toEqual({ 2: [1, 3, 155.93], 5: [1, 1, 99.95], 7: [1, 3, 145.93] });
    const day7 = r.body._.find((n: any) => n.g === 7);
    expect(Object.fromEntries(day7._.map((n: any) => [n.g, n.c]))).toEqual({
      'gilded spoon': [1, 1, 27.99], 'fly rod': [1, 1, 99.95], 'double spinner': [1, 1, 17.99],
    });
    const day2 = r.body._.find((n: any) => n.g === 2);
    expect(day2._.map((n: any) => n.g).sort()).toEqual(['deluxe spinner', 'fly rod', 'triple hook jigger']);
  });
  it('sorts, orders and trims', async () => {
    const byKey = await text(`/v1/query/${T}/event?sort=g&order=asc&trim=2`, SECTION10);
    expect(byKey.body._.map((n: any) => n.g)).toEqual([2, 5]);
    expect(byKey.body._[0]._.length).toBe(2);
    expect(byKey.body._[0].c).toEqual([1, 3, 155.93]);
    const bySpent = await text(`/v1/query/${T}/event?sort=total_spent`, SECTION10);
    expect(bySpent.body._.map((n: any) => n.g)).toEqual([2, 7, 5]);
    const bad = await text(`/v1/query/${T}/event?sort=nope`, SECTION10);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('bad_sort');
  });
  it('substitutes parameters and rejects bad ones', async () => {
    const script = `match where action == {{act}} and cart_size >= {{n}}:\n    tally(person)\n`;
    const r = await text(`/v1/query/${T}/event?str_act=purchase&int_n=2`, script);
    expect(r.status).toBe(200);
    expect(r.body._.length).toBeGreaterThan(0);
    const bad = await text(`/v1/query/${T}/event?str_act=purchase&int_n=two`, script);
    expect(bad.status).toBe(400);
    expect(bad.body.error.detail).toMatch(/int_n/);
    const flag = `if {{on}}:\n    match:\n        tally(action)\n`;
    expect((await text(`/v1/query/${T}/event?bool_on=true`, flag)).body._.length).toBe(2);
    expect((await text(`/v1/query/${T}/event?bool_on=false`, flag)).body).toEqual({ _: [] });
    expect((await text(`/v1/query/${T}/event?bool_on=maybe`, flag)).status).toBe(400);
    const dbl = await text(`/v1/query/${T}/event?dbl_p=99.95`, `match where product_price == {{p}}:\n    tally(product_name)\n`);
    expect(dbl.body._.map((n: any) => n.g)).toEqual(['fly rod']);
    const missing = await text(`/v1/query/${T}/event?str_act=purchase`, script);
    expect(missing.status).toBe(400);
    expect(missing.body.error.detail).toMatch(/\{\{n\}\}/);
  });
  it('returns the compiled program with debug=true', async () => {
    const r = await text(`/v1/query/${T}/event?debug=true`, SECTION10);
    expect(r.status).toBe(200);
    expect(typeof r.body.debug).toBe('string');
    expect(r.body.debug.length).toBeGreaterThan(0);
  });
  it('honours session_time', async () => {
    const script = `match:\n    tally(session)\n`;
    // Orders are days apart: 30 minutes gives one session per order (Klara has 3), 20 days one per person.
    const normal = await text(`/v1/query/${T}/event`, script);
    const long = await text(`/v1/query/${T}/event?session_time=1728000000`, script);
    expect(long.status).toBe(200);
    expect(normal.body._.map((n: any) => n.g).sort()).toEqual([1, 2, 3]);
    expect(long.body._.map((n: any) => [n.g, n.c[0]])).toEqual([[1, 3]]);
  });
});

describe('segments', () => {
  it('computes the §10 segments and lists them', async () => {
    const r = await text(`/v1/query/${T}/segment`, HOME);
    expect(r.status).toBe(200);
    expect(Object.fromEntries(r.body._.map((n: any) => [n.g, n.c]))).toEqual({
      products_home: [2], products_outdoor: [2], products_commercial: [2], products_yard: [1],
    });
    expect(r.body._.at(-1).g).toBe('products_yard');
    const list = await srv.get(`/v1/query/${T}/segment`);
    expect(list.status).toBe(200);
    const byName = Object.fromEntries(list.body.segments.map((s: any) => [s.name, s]));
    expect(byName.products_home.size).toBe(2);
    expect(byName.products_yard.size).toBe(1);
    expect(typeof byName.products_home.computed_at).toBe('string');
    expect(byName.products_home.refresh).toBe(300);
  });
  it('recomputes only when rows changed, and not within the ttl of a use_cached segment', async () => {
    expect((await srv.post('/v1/table/cache_t', { columns: [{ name: 'grp', type: 'text' }] })).status).toBe(200);
    const ev = (person: string, grp: string) => ({ person, stamp: '2020-01-01T00:00:00Z', action: 'a', _: { grp } });
    expect((await srv.post('/v1/insert/cache_t', [ev('a', 'x'), ev('b', 'x'), ev('c', 'y')])).status).toBe(200);
    const body = `@segment cached ttl=1h use_cached\n    match where grp == 'x':\n        tally\n@segment live\n    match where grp == 'x':\n        tally\n`;
    const counts = async () => Object.fromEntries((await text('/v1/query/cache_t/segment', body)).body._.map((n: any) => [n.g, n.c[0]]));
    const times = async () => Object.fromEntries((await srv.get('/v1/query/cache_t/segment')).body.segments.map((s: any) => [s.name, s.computed_at]));
    expect(await counts()).toEqual({ cached: 2, live: 2 });
    const t0 = await times();
    await new Promise((r) => setTimeout(r, 20));
    expect(await counts()).toEqual({ cached: 2, live: 2 });
    expect(await times()).toEqual(t0); // same rows, same definition: nothing recomputed
    expect((await srv.post('/v1/insert/cache_t', [ev('d', 'x')])).status).toBe(200);
    expect(await counts()).toEqual({ cached: 2, live: 3 });
    const t1 = await times();
    expect(t1.cached).toBe(t0.cached);
    expect(t1.live).not.toBe(t0.live);
    // segments= uses the stored result while it is younger than its ttl
    const ev2 = await text('/v1/query/cache_t/event?segments=cached,live', `match:\n    tally(grp)\n`);
    expect(ev2.body._[0]).toEqual({ g: 'x', c: [2], c2: [3] });
  });
  it('evaluates segment math and per-person segment scripts', async () => {
    const r = await text(`/v1/query/${T}/segment`, `@segment both
    intersection('products_home', 'products_outdoor')
@segment either
    union('products_home', 'products_outdoor')
@segment not_home
    complement('products_home')
@segment home_only
    difference('products_home', 'products_outdoor')
@segment big_cart
    match where cart_size >= 3 and action == 'purchase':
        tally
`);
    expect(r.status).toBe(200);
    const c = Object.fromEntries(r.body._.map((n: any) => [n.g, n.c[0]]));
    expect(c.both + c.home_only).toBe(2);
    expect(c.either).toBe(4 - c.both);
    expect(c.not_home).toBe(1);
    expect(typeof c.big_cart).toBe('number');
  });
  it('runs event queries in compare mode', async () => {
    const r = await text(`/v1/query/${T}/event?segments=products_home,products_outdoor,*`, `match:\n    tally(action)\n`);
    expect(r.status).toBe(200);
    const purchase = r.body._.find((n: any) => n.g === 'purchase');
    expect(purchase.c).toEqual([2]);
    expect(purchase.c2).toEqual([2]);
    expect(purchase.c3).toEqual([3]);
  });
  it('rejects unknown segments, naming them', async () => {
    const r = await text(`/v1/query/${T}/event?segments=products_home,nope,zilch`, `match:\n    tally(action)\n`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('unknown_segment');
    expect(r.body.error.detail).toMatch(/'nope', 'zilch'/);
    const m = await text(`/v1/query/${T}/segment`, `@segment m\n    union('products_home', 'ghost')\n`);
    expect(m.status).toBe(400);
    expect(m.body.error.detail).toMatch(/'ghost'/);
    const c = await srv.get(`/v1/query/${T}/column/product_name?segments=nope`);
    expect(c.status).toBe(400);
    expect(c.body.error.detail).toMatch(/'nope'/);
  });
  it('rejects bad section headers and reports script errors at the body line', async () => {
    const dur = await text(`/v1/query/${T}/segment`, `@segment x ttl=soon\n    match:\n        tally\n`);
    expect(dur.status).toBe(400);
    expect(dur.body.error.detail).toMatch(/ttl=soon/);
    const syn = await text(`/v1/query/${T}/segment`, `@segment x\n    match:\n        tally\n@segment y\n    match where ((:\n        tally\n`);
    expect(syn.status).toBe(400);
    expect(syn.body.error.class).toBe('parse');
    expect(syn.body.error.line).toBe(5);
  });
});

describe('column query', () => {
  it('counts people per value (§10)', async () => {
    const r = await srv.get(`/v1/query/${T}/column/product_name`);
    expect(r.status).toBe(200);
    const root = r.body._[0];
    expect(root.g).toBe('product_name');
    expect(root.c).toEqual([3]);
    const twos = root._.filter((n: any) => n.c[0] === 2).map((n: any) => n.g).sort();
    expect(twos).toEqual(['fly rod', 'panini press', 'shag rug']);
    expect(root._.filter((n: any) => n.c[0] === 1).length).toBe(6);
    expect(root._.slice(0, 3).map((n: any) => n.g)).toEqual(['fly rod', 'panini press', 'shag rug']);
  });
  it('buckets numbers (§10) and filters', async () => {
    const b = await srv.get(`/v1/query/${T}/column/product_price?bucket=50`);
    expect(Object.fromEntries(b.body._[0]._.map((n: any) => [n.g, n.c[0]]))).toEqual({ 0: 3, 50: 3, 600: 1 });
    const gt = await srv.get(`/v1/query/${T}/column/product_price?gt=100`);
    expect(gt.body._[0].c).toEqual([3]);
    expect(gt.body._[0]._.every((n: any) => n.g > 100)).toBe(true);
    const btw = await srv.get(`/v1/query/${T}/column/product_price?between=20&and=30`);
    expect(btw.body._[0]._.every((n: any) => n.g >= 20 && n.g < 30)).toBe(true);
    expect(btw.body._[0]._.length).toBeGreaterThan(0);
    const rx = await srv.get(`/v1/query/${T}/column/product_name?rx=${encodeURIComponent('fly.*')}`);
    expect(rx.body._[0]._.map((n: any) => n.g)).toEqual(['fly rod']);
    const sub = await srv.get(`/v1/query/${T}/column/product_name?sub=rod`);
    expect(sub.body._[0]._.map((n: any) => n.g)).toEqual(['fly rod']);
    const eq = await srv.get(`/v1/query/${T}/column/shipper?eq=fedex`);
    expect(eq.body._[0]._.map((n: any) => n.g)).toEqual(['fedex']);
    for (const f of ['gte=600', 'lt=20', 'lte=17.99', 'eq=17.99']) {
      const x = await srv.get(`/v1/query/${T}/column/product_price?${f}`);
      expect(x.status, f).toBe(200);
      expect(x.body._[0]._.length, f).toBeGreaterThan(0);
    }
  });
  it('answers the built-in action column and integer columns', async () => {
    const a = await srv.get(`/v1/query/${T}/column/action`);
    expect(a.body._[0]).toEqual({ g: 'action', c: [3], _: [{ g: 'cart_item', c: [3] }, { g: 'purchase', c: [3] }] });
    const n = await srv.get(`/v1/query/${T}/column/cart_size?eq=3`);
    expect(n.body._[0]._).toEqual([{ g: 3, c: [2] }]);
  });
  it('counts set elements, orders, trims and compares segments', async () => {
    const g = await srv.get(`/v1/query/${T}/column/product_group?order=asc&trim=2`);
    expect(g.body._[0]._.length).toBe(2);
    expect(g.body._[0]._[0].c[0]).toBeLessThanOrEqual(g.body._[0]._[1].c[0]);
    const s = await srv.get(`/v1/query/${T}/column/product_name?segments=products_outdoor,*`);
    expect(s.body._[0].c).toEqual([2]);
    expect(s.body._[0].c2).toEqual([3]);
  });
  it('rejects bad input with a precise detail', async () => {
    const cases: [string, RegExp][] = [
      ['product_name?gt=5', /numeric column/],
      ['product_price?rx=a', /text column/],
      ['product_name?rx=(abc', /regular expression/],
      ['product_price?between=5', /and=/],
      ['product_price?bucket=abc', /'bucket=' must be a number/],
      ['product_name?trim=x', /'trim=' must be a non-negative integer/],
      ['nope', /unknown column 'nope'/],
    ];
    for (const [q, re] of cases) {
      const r = await srv.get(`/v1/query/${T}/column/${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.detail, q).toMatch(re);
    }
    const t = await srv.get(`/v1/query/nope/column/x`);
    expect(t.status).toBe(400);
  });
});

describe('histogram query', () => {
  it('gives the §10 customer_value histogram', async () => {
    const r = await text(`/v1/query/${T}/histogram/customer_value?bucket=250&min=0`, `return SUM total where total != None\n`);
    expect(r.status).toBe(200);
    expect(r.body._[0].g).toBe('customer_value');
    expect(r.body._[0].c).toEqual([3]);
    expect(r.body._[0]._).toEqual([{ g: 750, c: [1] }, { g: 500, c: [0] }, { g: 250, c: [1] }, { g: 0, c: [1] }]);
  });
  it('clips at max, orders, trims, uses segments and foreach', async () => {
    const r = await text(`/v1/query/${T}/histogram/cv?bucket=250&max=250&order=asc`, `return SUM total\n`);
    expect(r.body._[0]._).toEqual([{ g: 0, c: [1] }, { g: 250, c: [2] }]);
    const s = await text(`/v1/query/${T}/histogram/cv?bucket=250&segments=products_outdoor`, `return SUM total\n`);
    expect(s.body._[0].c).toEqual([2]);
    const f = await text(`/v1/query/${T}/histogram/by_shipper?foreach=shipper&bucket=100&min=0&max=1000`, `return SUM total where shipper = each_value\n`);
    expect(f.status).toBe(200);
    const shippers = f.body._[0]._.map((n: any) => n.g);
    expect(shippers.length).toBeGreaterThan(0);
    expect(f.body._[0]._[0]._.length).toBe(11);
  });
  it('substitutes parameters and answers debug=true', async () => {
    const r = await text(`/v1/query/${T}/histogram/fedex?str_s=fedex&int_b=1000`, `return SUM total where shipper == {{s}} and total < {{b}}\n`);
    expect(r.status).toBe(200);
    const all = await text(`/v1/query/${T}/histogram/fedex`, `return SUM total where shipper == 'fedex' and total < 1000\n`);
    expect(r.body).toEqual(all.body);
    expect(r.body._[0].c).toEqual([3]);
    const d = await text(`/v1/query/${T}/histogram/x?debug=true`, `return SUM total\n`);
    expect(typeof d.body.debug).toBe('string');
    const bad = await text(`/v1/query/${T}/histogram/x?dbl_b=abc`, `return {{b}}\n`);
    expect(bad.status).toBe(400);
  });
  it('rejects tally, bad numbers and empty bodies', async () => {
    expect((await text(`/v1/query/${T}/histogram/x`, `tally('a')\nreturn 1\n`)).status).toBe(400);
    const b = await text(`/v1/query/${T}/histogram/x?bucket=big`, `return 1\n`);
    expect(b.status).toBe(400);
    expect(b.body.error.detail).toMatch(/'bucket=' must be a number/);
    expect((await text(`/v1/query/${T}/histogram/x`, ``)).status).toBe(400);
  });
});

describe('batch query', () => {
  it('runs the rest-api example: one root per output section in order', async () => {
    const body = `${HOME}
@use products_home,products_outdoor

@column product_name

@column product_group

@column product_price bucket=50

@histogram customer_value bucket=50

    return SUM total

@histogram days_since

    return int(to_days(now - last_event) / 7)

@histogram total_by_shipper foreach=shipper bucket=100 min=0 max=1000

    return SUM total where shipper=each_value # inline aggregation
`;
    const r = await text(`/v1/query/${T}/batch`, body);
    expect(r.status).toBe(200);
    expect(r.body._.map((n: any) => n.g)).toEqual(['product_name', 'product_group', 'product_price', 'customer_value', 'days_since', 'total_by_shipper']);
    expect(r.body._[0].c).toEqual([2]);
    expect(r.body._[0].c2).toEqual([2]);
  });
  it('rejects unknown segments in @use with the section line', async () => {
    const r = await text(`/v1/query/${T}/batch`, `@use nope\n@column product_name\n`);
    expect(r.status).toBe(400);
    expect(r.body.error.detail).toMatch(/'nope'/);
  });
});

describe('runaway scripts', () => {
  it('are stopped by the query budget with a run_time error, and the node stays healthy', async () => {
    const r = await text(`/v1/query/${T}/event`, `match:\n    for x in range(10000):\n        for y in range(10000):\n            for z in range(10000):\n                n = 1\n`);
    expect(r.status).toBe(400);
    expect(r.body.error.class).toBe('run_time');
    expect(r.body.error.message).toBe('budget_exceeded');
    expect((await srv.get('/ping')).status).toBe(200);
    expect((await text(`/v1/query/${T}/event`, SECTION10)).body._.length).toBe(3);
  });
});

describe('bad input', () => {
  it('rejects unknown tables, empty bodies and syntax errors with their line', async () => {
    const u = await text(`/v1/query/nope/event`, `match:\n    tally(action)\n`);
    expect(u.status).toBe(400);
    const e = await text(`/v1/query/${T}/event`, ``);
    expect(e.status).toBe(400);
    expect(e.body.error.message).toBe('empty_body');
    const s = await text(`/v1/query/${T}/event`, `match:\n    tally(action)\nif (:\n    pass\n`);
    expect(s.status).toBe(400);
    expect(s.body.error.class).toBe('parse');
    expect(s.body.error.line).toBe(3);
    const c = await text(`/v1/query/${T}/event`, `match where nope == 1:\n    tally(action)\n`);
    expect(c.status).toBe(400);
    for (const q of ['trim=-1', 'order=up', 'session_time=abc', 'debug=maybe']) {
      const r = await text(`/v1/query/${T}/event?${q}`, `match:\n    tally(action)\n`);
      expect(r.status, q).toBe(400);
    }
  });
});
