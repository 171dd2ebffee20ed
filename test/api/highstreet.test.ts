import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../scripts/load-sample.ts';
import { startServer, type Server } from './harness.ts';

let srv: Server;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv?.stop(); });

describe('highstreet sample', () => {
  it('load-sample initialises, creates the table and inserts every event; a second run changes nothing', async () => {
    /** The lines load-sample logs. */
    const load = async (): Promise<string[]> => {
      const lines: string[] = [];
      await loadSample(srv.url, undefined, (l) => lines.push(l));
      return lines;
    };
    expect(await load()).toEqual([
      'cluster: initialised with 24 partitions',
      'table highstreet: created with 10 columns, z_order purchase, cart_item',
      'insert: 19 events sent, 19 inserted, 0 already present, 0 rejected',
    ]);
    expect(await load()).toEqual([
      'cluster: already initialised',
      'table highstreet: exists (10 columns)',
      'insert: 19 events sent, 0 inserted, 19 already present, 0 rejected',
    ]);
  });

  it('tommy has his 6 events in order: purchase before cart items at equal stamps', async () => {
    const r = await srv.get('/v1/query/highstreet/person?sid=Tommy');
    expect(r.status).toBe(200);
    expect(r.body.id_string).toBe('tommy');
    expect(r.body.rows.map((x: any) => [x.stamp_iso, x.action, x.attr.product_name ?? null])).toEqual([
      ['2017-01-01T05:30:00.000Z', 'purchase', null],
      ['2017-01-01T05:30:00.000Z', 'cart_item', 'grommet'],
      ['2017-01-01T05:30:00.000Z', 'cart_item', 'shag rug'],
      ['2017-01-06T06:00:00.000Z', 'purchase', null],
      ['2017-01-06T06:00:00.000Z', 'cart_item', expect.any(String)],
      ['2017-01-06T06:00:00.000Z', 'cart_item', expect.any(String)],
    ]);
    expect(r.body.rows[0].attr).toEqual({ order_id: 1234, total: 122.73, shipping: 8.99, shipper: 'fedex', cart_size: 2 });
    expect(r.body.rows[1].attr).toEqual({
      order_id: 1234, product_name: 'grommet', product_price: 94.74,
      product_tags: ['red', 'small', 'rubber'], product_group: ['garage', 'basement'],
    });
  });
});
