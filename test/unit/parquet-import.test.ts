import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetEventBatches } from '../../workers/ingest/parquet.ts';
import type { ParquetEventBatch } from '../../workers/ingest/parquet.ts';
import { ParquetTableEncoder } from '../../shards/snapshot/parquet-encode.ts';
import type { TableSchema } from '../../lang/schema.ts';

async function all(file: ArrayBuffer, batch: number): Promise<ParquetEventBatch[]> {
  const out: ParquetEventBatch[] = [];
  for await (const b of parquetEventBatches(file, batch)) out.push(b);
  return out;
}

describe('parquet import mapping', () => {
  it('maps columns by name, aliases, timestamps, lists and nulls into event objects', async () => {
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [7n, 8n, 9n], type: 'INT64' },
        { name: 'stamp', data: [new Date(5), new Date(1483248600000), null], type: 'TIMESTAMP' },
        { name: 'event', data: ['buy', 'view', null], type: 'STRING' },
        { name: 'total', data: [1.5, null, 3], type: 'DOUBLE' },
        { name: 'tags', data: [['a', 'b'], [], null] },
      ],
    });
    const batches = await all(file, 2);
    expect(batches.map((b) => b.rows)).toEqual([[0, 1], [2]]);
    expect(batches.flatMap((b) => b.events)).toEqual([
      { person: 7, stamp: '1970-01-01T00:00:00.005Z', action: 'buy', _: { total: 1.5, tags: ['a', 'b'] } },
      { person: 8, stamp: '2017-01-01T05:30:00.000Z', action: 'view', _: { tags: [] } },
      { person: 9, stamp: null, action: null, _: { total: 3 } },
    ]);
  });

  it('folds rows of one exported complex event back into a nested event', async () => {
    const table: TableSchema = { name: 't', zOrder: [], columns: [
      { name: 'order', type: 'int', isSet: false, id: 1 },
      { name: 'item', type: 'text', isSet: false, id: 2 },
    ] };
    const n = 4;
    const block = {
      length: n,
      stamp: Float64Array.of(1000, 2000, 2000, 3000),
      event: Int32Array.of(0, 1, 1, 0),
      action: { codes: Int32Array.of(0, 1, 1, 0), dict: ['visit', 'purchase'] },
      columns: new Map([
        ['order', { kind: 'num' as const, values: Float64Array.of(NaN, 12, 12, NaN) }],
        ['item', { kind: 'text' as const, codes: Int32Array.of(-1, 0, 1, -1), dict: ['fork', 'knife'] }],
      ]),
    };
    const people = { ids: ['ann', 5], start: Int32Array.of(0, 3), end: Int32Array.of(3, 4) };
    const parts: Uint8Array[] = [];
    const enc = new ParquetTableEncoder(table, (b) => { parts.push(b); }, { withHash: false });
    await enc.write({ block, people, hashes: null });
    const { bytes } = await enc.finish();
    const buf = new Uint8Array(bytes);
    let at = 0;
    for (const p of parts) { buf.set(p, at); at += p.length; }
    const batches = await all(buf.buffer, 1000);
    expect(batches).toHaveLength(1);
    expect(batches[0].rows).toEqual([0, 1, 3]);
    expect(batches[0].events).toEqual([
      { person: 'ann', stamp: '1970-01-01T00:00:01.000Z', action: 'visit', _: {} },
      { person: 'ann', stamp: '1970-01-01T00:00:02.000Z', action: 'purchase', _: { order: 12, _: [{ item: 'fork' }, { item: 'knife' }] } },
      { person: 5, stamp: '1970-01-01T00:00:03.000Z', action: 'visit', _: {} },
    ]);
  });
});
