/**
 * The partition-count invariant: every query kind returns identical JSON for 1, 5 and 24 partitions
 * over the same generated dataset (a few thousand events).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../scripts/prng.ts';
import { startServer } from './harness.ts';

const T = 'inv';

const GROUPS = ['basement', 'garage', 'kitchen', 'outdoor', 'angling', 'restaurant'];
const NAMES = ['fly rod', 'shag rug', 'panini press', 'grommet', 'gilded spoon', 'Espresso', 'double spinner'];

function events(): unknown[] {
  const r = mulberry32(2024);
  const out: unknown[] = [];
  for (let p = 0; p < 300; p++) {
    let stamp = Date.UTC(2023, 0, 1) + Math.floor(r() * 200 * 86_400_000);
    const n = 1 + Math.floor(r() * 18);
    for (let i = 0; i < n; i++) {
      stamp += Math.floor(r() * 2 * 3_600_000);
      const action = ['view', 'cart_item', 'purchase'][Math.floor(r() * 3)];
      const attrs: Record<string, unknown> = {
        product_name: NAMES[Math.floor(r() * NAMES.length)],
        product_price: Math.round(r() * 50000) / 100,
        product_group: GROUPS.filter(() => r() < 0.3),
        shipper: ['fedex', 'ups', 'usps'][Math.floor(r() * 3)],
        cart_size: Math.floor(r() * 6),
        member: r() < 0.5,
      };
      if (r() < 0.1) delete attrs.product_price;
      out.push({ person: p % 7 === 0 ? p : `person${p}`, stamp, action, _: attrs });
    }
  }
  return out;
}

const SEGMENTS = `@segment home
    match where product_group in ['basement', 'garage', 'kitchen']:
        tally()
@segment outdoor
    match where 'outdoor' in product_group:
        tally()
@segment pricey
    match where product_price >= 400:
        tally()
@segment both
    intersection('home', 'outdoor')
@segment not_home
    complement('home')
@segment home_by_script
    match where product_group in ['basement', 'garage', 'kitchen']:
        x = 1
        tally()
@segment pricey_by_script
    match where product_price >= 400:
        if True:
            tally()
@segment viewers_then_buyers
    match where action == 'view':
        match where action == 'purchase':
            tally()
`;

const EVENT = `aggregate:
    count person
    count product_name as names
    sum product_price as spent
    min product_price as lo
    max product_price as hi
    avg product_price as mean
    value shipper as last_shipper
match where action == 'purchase':
    tally(get_day_of_week(event_time()), product_name)
`;

async function answers(partitions: number): Promise<unknown[]> {
  const srv = await startServer();
  try {
    expect((await srv.put(`/v1/cluster/init?partitions=${partitions}`)).status).toBe(200);
    expect((await srv.post(`/v1/table/${T}`, {
      columns: [
        { name: 'product_name', type: 'text' },
        { name: 'product_price', type: 'double' },
        { name: 'product_group', type: 'text', is_set: true },
        { name: 'shipper', type: 'text' },
        { name: 'cart_size', type: 'int' },
        { name: 'member', type: 'bool' },
      ],
      z_order: ['purchase', 'cart_item'],
    })).status).toBe(200);
    const ev = events();
    for (let i = 0; i < ev.length; i += 1000) expect((await srv.post(`/v1/insert/${T}`, ev.slice(i, i + 1000))).status).toBe(200);
    const text = (path: string, body: string) => srv.post(path, body, 'text/plain');
    const results = [
      await text(`/v1/query/${T}/segment`, SEGMENTS),
      await text(`/v1/query/${T}/event`, EVENT),
      await text(`/v1/query/${T}/event?segments=home,outdoor,*&sort=g&order=asc`, `match:\n    tally(action, shipper)\n`),
      await text(`/v1/query/${T}/event?trim=3&sort=spent`, EVENT),
      await text(`/v1/query/${T}/event?segments=viewers_then_buyers`, `match where action == 'view':\n    match where action == 'purchase':\n        tally(product_name, bucket(product_price, 100))\n        break all\n`),
      await srv.get(`/v1/query/${T}/column/product_name`),
      await srv.get(`/v1/query/${T}/column/product_price?bucket=50&segments=home,both`),
      await srv.get(`/v1/query/${T}/column/product_group?rx=.*a.*&order=asc`),
      await srv.get(`/v1/query/${T}/column/member`),
      await srv.get(`/v1/query/${T}/column/cart_size?between=1&and=4`),
      await text(`/v1/query/${T}/histogram/spend?bucket=250&min=0&max=2000`, `return SUM product_price where action == 'purchase'\n`),
      await text(`/v1/query/${T}/histogram/by_shipper?foreach=shipper&bucket=100`, `return SUM product_price where shipper = each_value\n`),
      await text(`/v1/query/${T}/batch`, `@use pricey,*\n@column shipper\n@histogram events\n    return event_count()\n`),
    ];
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    return results.map((r) => r.body);
  } finally {
    await srv.stop();
  }
}

describe('partition-count invariant', () => {
  it('gives identical JSON for 1, 5 and 24 partitions', async () => {
    const one = await answers(1);
    // the same segments answered from value indexes and by running the script per person
    const seg = Object.fromEntries((one[0] as any)._.map((n: any) => [n.g, n.c[0]]));
    expect(seg.home).toBeGreaterThan(0);
    expect(seg.home_by_script).toBe(seg.home);
    expect(seg.pricey_by_script).toBe(seg.pricey);
    expect(JSON.stringify(one).length).toBeGreaterThan(2000);
    expect(await answers(5)).toEqual(one);
    expect(await answers(24)).toEqual(one);
  }, 300_000);
});
