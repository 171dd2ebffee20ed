import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { TableSchema } from '../../lang/schema.ts';
import { ParquetTableEncoder } from '../../shards/snapshot/parquet-encode.ts';
import type { PeopleRanges, RowSource } from '../../shards/snapshot/parquet-encode.ts';
import { NUMERIC_TIMESTAMPS, readSnapshotBatches } from '../../shards/snapshot/parquet-decode.ts';
import { slicePeople } from '../../shards/snapshot/partition-io.ts';
import type { InsertBatch } from '../../shards/store/batch.ts';
import { buildBlock, type PersonInput } from '../fixtures/rows.ts';
import { rowsOf } from './batch-rows.ts';

const table: TableSchema = {
  name: 'events',
  zOrder: ['purchase'],
  columns: [
    { name: 'order_id', type: 'int', isSet: false, id: 1 },
    { name: 'price', type: 'double', isSet: false, id: 2 },
    { name: 'shipped', type: 'bool', isSet: false, id: 3 },
    { name: 'shipper', type: 'text', isSet: false, id: 4 },
    { name: 'tags', type: 'text', isSet: true, id: 5 },
    // id 6 left out, as after a column drop
    { name: 'sizes', type: 'int', isSet: true, id: 7 },
    { name: 'weights', type: 'double', isSet: true, id: 8 },
  ],
};

type Value = number | string | boolean | null | (number | string)[];
interface Row {
  person: string | number;
  stamp: number;
  action: string;
  event: number;
  hash: number;
  attrs: Record<string, Value>;
}

/** Rows of people in order (each person contiguous), as the store would hand them out. */
const rows: Row[] = [
  { person: 'tommy', stamp: 1483248600000, action: 'purchase', event: 0, hash: 11, attrs: { order_id: 1234, price: 17.99, shipped: true, shipper: 'fedex', tags: ['red', 'small'], sizes: [1, 2], weights: [0.5] } },
  // one complex event: two rows share event 1 and its hash
  { person: 'tommy', stamp: 1483248700000, action: 'cart', event: 1, hash: 12, attrs: { order_id: 9007199254740991, price: null, shipped: false, shipper: 'ups', tags: [], sizes: [], weights: [] } },
  { person: 'tommy', stamp: 1483248700000, action: 'cart', event: 1, hash: 12, attrs: { order_id: null, price: -0.25, shipped: null, shipper: null, tags: ['blue'], sizes: [-3], weights: [1e300, 2.5] } },
  { person: 42, stamp: 0, action: 'visit', event: 0, hash: -3.5e15, attrs: { order_id: -7, price: 1e-9, shipped: null, shipper: 'dhl ünïcode ✓', tags: ['red'], sizes: [], weights: [] } },
  { person: 'sue', stamp: 4102444800000, action: 'purchase', event: 0, hash: 2 ** 52, attrs: { order_id: null, price: null, shipped: null, shipper: null, tags: [], sizes: [], weights: [] } },
  { person: 'sue', stamp: 4102444800001, action: 'purchase', event: 1, hash: 99, attrs: { order_id: 0, price: 0, shipped: true, shipper: '', tags: ['', 'x'], sizes: [0], weights: [0] } },
];

function buildSource(input: Row[]): RowSource {
  const people: PersonInput[] = [];
  for (const r of input) {
    if (people.length === 0 || people[people.length - 1].id !== r.person) people.push({ id: r.person, rows: [] });
    people[people.length - 1].rows.push({ stamp: r.stamp, action: r.action, event: r.event, ...r.attrs });
  }
  const { block, slices } = buildBlock(table, people);
  const ranges: PeopleRanges = { ids: slices.map((p) => p.id), start: Int32Array.from(slices, (p) => p.start), end: Int32Array.from(slices, (p) => p.end) };
  return { block, people: ranges, hashes: Float64Array.from(input, (r) => r.hash) };
}

async function encode(source: RowSource, rowGroupRows: number, withHash = true): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const enc = new ParquetTableEncoder(table, (b) => { parts.push(b); }, { rowGroupRows, withHash });
  await enc.write(source);
  const { rows: n, bytes } = await enc.finish();
  expect(n).toBe(source.block.length);
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  expect(at).toBe(bytes);
  return out;
}

/** Flatten decoded batches back into Row form (event numbers compared as grouping, not values). */
function batchRows(batches: InsertBatch[]): Omit<Row, 'event'>[] & { group: number }[] {
  const out: (Omit<Row, 'event'> & { group: number })[] = [];
  let group = -1;
  for (const b of batches) {
    const plainRows = rowsOf(table, b);
    for (let i = 0; i < b.rows; i++) {
      if (i === 0 || b.event[i] !== b.event[i - 1]) group++;
      const attrs: Record<string, Value> = {};
      const plain = plainRows[i]!;
      for (const col of table.columns) {
        // Batches carry bools as 0/1.
        const v = plain.attrs[col.name] as Value;
        attrs[col.name] = col.type === 'bool' && typeof v === 'number' ? v === 1 : v;
      }
      out.push({ person: plain.person, stamp: plain.stamp, action: plain.action, hash: plain.hash, attrs, group });
    }
  }
  return out;
}

function expectedRows(input: Row[]) {
  let group = -1;
  return input.map((r, i) => {
    if (i === 0 || r.person !== input[i - 1].person || r.event !== input[i - 1].event) group++;
    return { person: r.person, stamp: r.stamp, action: r.action, hash: r.hash, attrs: r.attrs, group };
  });
}

describe('parquet codec', () => {
  it('round-trips every column type, nulls, sets, integer ids and complex events', async () => {
    // A row group never splits the complex event in rows 1-2, so size 1 gives 5 groups, not 6.
    const expectedGroups = new Map([[1, 5], [2, 3], [4, 2], [1000, 1]]);
    for (const [groupRows, groups] of expectedGroups) {
      const bytes = await encode(buildSource(rows), groupRows);
      const meta = parquetMetadata(bytes.buffer as ArrayBuffer);
      expect(meta.row_groups.length).toBe(groups);
      const batches: InsertBatch[] = [];
      for await (const b of readSnapshotBatches(bytes.buffer as ArrayBuffer, table, 2)) {
        // at most 2 rows, plus the rest of an event that would otherwise be cut
        expect(b.rows).toBeLessThanOrEqual(3);
        batches.push(b);
      }
      expect(batches.length).toBeGreaterThanOrEqual(3);
      expect(batchRows(batches)).toEqual(expectedRows(rows));
    }
  });

  it('writes proper Parquet types and Snappy pages readable with projection and row ranges', async () => {
    const bytes = await encode(buildSource(rows), 4);
    const buffer = bytes.buffer as ArrayBuffer;
    const meta = parquetMetadata(buffer);
    const byName = new Map(meta.schema.map((e) => [e.name, e]));
    expect(byName.get('stamp')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' });
    expect(byName.get('order_id')).toMatchObject({ type: 'INT64' });
    expect(byName.get('price')).toMatchObject({ type: 'DOUBLE' });
    expect(byName.get('shipped')).toMatchObject({ type: 'BOOLEAN' });
    expect(byName.get('shipper')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(byName.get('tags')).toMatchObject({ converted_type: 'LIST' });
    expect(meta.row_groups[0].columns.every((c) => c.meta_data?.codec === 'SNAPPY')).toBe(true);

    const projected = await parquetReadObjects({ file: buffer, columns: ['person', '__person_int', 'stamp', 'tags', 'sizes'], rowStart: 2, rowEnd: 5, parsers: NUMERIC_TIMESTAMPS });
    expect(projected).toEqual([
      { person: 'tommy', __person_int: null, stamp: 1483248700000, tags: ['blue'], sizes: [-3n] },
      { person: null, __person_int: 42n, stamp: 0, tags: ['red'], sizes: null },
      { person: 'sue', __person_int: null, stamp: 4102444800000, tags: null, sizes: null },
    ]);
    const dates = await parquetReadObjects({ file: buffer, columns: ['stamp'], rowStart: 0, rowEnd: 1 });
    expect(dates[0].stamp).toEqual(new Date(1483248600000));
  });

  it('compresses a realistic partition with Snappy round trip at scale', async () => {
    const many: Row[] = [];
    for (let p = 0; p < 500; p++) {
      for (let e = 0; e < 20; e++) {
        many.push({ person: p % 3 ? `user${p}` : p, stamp: 1.7e12 + e * 60_000, action: e % 2 ? 'view' : 'purchase', event: e, hash: p * 1000 + e,
          attrs: { order_id: e, price: e * 1.25, shipped: e % 3 === 0, shipper: ['fedex', 'ups', 'dhl'][e % 3], tags: e % 4 ? ['a', 'b'] : [], sizes: [e], weights: [] } });
      }
    }
    const bytes = await encode(buildSource(many), 2048);
    // Dictionary + Snappy should keep this far under the raw size of the values.
    expect(bytes.length / many.length).toBeLessThan(30);
    const batches: InsertBatch[] = [];
    for await (const b of readSnapshotBatches(bytes.buffer as ArrayBuffer, table)) batches.push(b);
    expect(batchRows(batches)).toEqual(expectedRows(many));
  });

  it('can leave out the hash column and then refuses to restore from it', async () => {
    const bytes = await encode(buildSource(rows), 10, false);
    const meta = parquetMetadata(bytes.buffer as ArrayBuffer);
    expect(meta.schema.some((e) => e.name === '__event_hash')).toBe(false);
    const read = async () => { for await (const _ of readSnapshotBatches(bytes.buffer as ArrayBuffer, table)) void _; };
    await expect(read()).rejects.toThrow(/__event_hash/);
  });

  it('writes a partition sliced into whole people (the export path) as one file with the same rows', async () => {
    const source = buildSource(rows);
    // people hold 3, 1 and 2 rows; a slice always takes at least one whole person
    for (const [maxRows, expectedSlices] of [[1, 3], [2, 3], [3, 2], [100, 1]]) {
      const parts: Uint8Array[] = [];
      const enc = new ParquetTableEncoder(table, (b) => { parts.push(b); }, { rowGroupRows: 2 });
      let next: number | null = 0;
      let slices = 0;
      while (next !== null) {
        const slice = slicePeople(source, next, maxRows);
        expect(slice.source.people.end.at(-1)).toBe(slice.source.block.length);
        // a slice carries only the strings its rows use
        const shipper = slice.source.block.columns.get('shipper');
        if (shipper?.kind !== 'text') throw new Error('shipper should be text');
        expect(shipper.dict.length).toBe(new Set([...shipper.codes].filter((c) => c >= 0)).size);
        await enc.write(slice.source);
        next = slice.nextPerson;
        slices++;
      }
      expect(slices).toBe(expectedSlices);
      const { bytes } = await enc.finish();
      const buf = new Uint8Array(bytes);
      let at = 0;
      for (const p of parts) { buf.set(p, at); at += p.length; }
      const batches: InsertBatch[] = [];
      for await (const b of readSnapshotBatches(buf.buffer, table)) batches.push(b);
      expect(batchRows(batches)).toEqual(expectedRows(rows));
    }
  });

  it('writes a valid file for a table with no rows', async () => {
    const parts: Uint8Array[] = [];
    const enc = new ParquetTableEncoder(table, (b) => { parts.push(b); });
    const { rows: n, bytes } = await enc.finish();
    expect(n).toBe(0);
    const buf = new Uint8Array(bytes);
    let at = 0;
    for (const p of parts) { buf.set(p, at); at += p.length; }
    expect(Number(parquetMetadata(buf.buffer).num_rows)).toBe(0);
    const batches: InsertBatch[] = [];
    for await (const b of readSnapshotBatches(buf.buffer, table)) batches.push(b);
    expect(batches).toEqual([]);
  });
});
