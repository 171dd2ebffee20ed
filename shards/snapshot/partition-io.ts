/**
 * What a shard does for snapshots: write its rows of one table to one R2 object, read them back as
 * insert batches, and cut its rows into bounded slices for a table export.
 */
import type { ColumnVector, RowBlock } from '../../lang/columns.ts';
import type { TableSchema } from '../../lang/schema.ts';
import type { InsertBatch } from '../store/batch.ts';
import type { PeopleRanges, RowSource } from './parquet-encode.ts';
import { readSnapshotBatches } from './parquet-decode.ts';
import { writeParquetObject } from './parquet-object.ts';
import type { WrittenFile } from './parquet-object.ts';
import type { UploadBucket } from './r2-upload.ts';
import type { AsyncBuffer } from 'hyparquet';

export type { WrittenFile } from './parquet-object.ts';

export interface WriteOptions {
  partBytes: number;
  rowGroupRows?: number;
  metadata?: Record<string, string>;
}

/** Encode all rows of `source` as one Parquet object at `key` (multipart when over one part). */
export function writePartitionFile(
  source: RowSource,
  table: TableSchema,
  bucket: UploadBucket,
  key: string,
  options: WriteOptions,
): Promise<WrittenFile> {
  const encode = { rowGroupRows: options.rowGroupRows, metadata: options.metadata };
  return writeParquetObject(bucket, key, options.partBytes, table, encode, (encoder) => encoder.write(source));
}

/** Feed every row of a snapshot file to `append`, in bounded batches; returns the row count. */
export async function readPartitionFile(
  file: AsyncBuffer,
  table: TableSchema,
  append: (batch: InsertBatch) => void | Promise<void>,
  batchRows?: number,
): Promise<number> {
  let rows = 0;
  for await (const batch of readSnapshotBatches(file, table, batchRows)) {
    await append(batch);
    rows += batch.rows;
  }
  return rows;
}

/** A bounded slice of a partition's rows (whole people), small enough to cross an RPC boundary. */
export interface RowSlice {
  source: RowSource;
  /** Index of the first person after this slice, or null when the partition is done. */
  nextPerson: number | null;
}

/**
 * Codes of a slice re-numbered against only the strings they use: a slice crosses RPC with its own
 * small dictionary instead of the partition's whole one (which, for a column of unique strings, would
 * be sent again with every slice).
 */
function compactCodes(codes: Int32Array, dict: readonly string[]): { codes: Int32Array; dict: string[] } {
  const remap = new Map<number, number>();
  const used: string[] = [];
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0) {
      out[i] = -1;
      continue;
    }
    let m = remap.get(c);
    if (m === undefined) {
      m = used.length;
      used.push(dict[c]);
      remap.set(c, m);
    }
    out[i] = m;
  }
  return { codes: out, dict: used };
}

function sliceVector(v: ColumnVector, a: number, b: number): ColumnVector {
  switch (v.kind) {
    case 'num':
      return { kind: 'num', values: v.values.slice(a, b) };
    case 'text':
      return { kind: 'text', ...compactCodes(v.codes.subarray(a, b), v.dict) };
    case 'numset': {
      const base = v.offsets[a];
      return { kind: 'numset', offsets: v.offsets.slice(a, b + 1).map((o) => o - base), values: v.values.slice(base, v.offsets[b]) };
    }
    case 'textset': {
      const base = v.offsets[a];
      return { kind: 'textset', offsets: v.offsets.slice(a, b + 1).map((o) => o - base), ...compactCodes(v.codes.subarray(base, v.offsets[b]), v.dict) };
    }
  }
}

/** People from `firstPerson` on, adding whole people until `maxRows` is reached (at least one person). */
export function slicePeople(source: RowSource, firstPerson: number, maxRows: number): RowSlice {
  const { block, people, hashes } = source;
  const count = people.ids.length;
  if (firstPerson >= count) {
    return { source: { block: sliceBlock(block, 0, 0), people: { ids: [], start: new Int32Array(0), end: new Int32Array(0) }, hashes: hashes ? new Float64Array(0) : null }, nextPerson: null };
  }
  const a = people.start[firstPerson];
  let last = firstPerson + 1;
  while (last < count && people.end[last] - a <= maxRows) last++;
  const b = people.end[last - 1];
  const sliced: PeopleRanges = {
    ids: people.ids.slice(firstPerson, last),
    start: people.start.slice(firstPerson, last).map((s) => s - a),
    end: people.end.slice(firstPerson, last).map((e) => e - a),
  };
  return {
    source: { block: sliceBlock(block, a, b), people: sliced, hashes: hashes ? hashes.slice(a, b) : null },
    nextPerson: last < count ? last : null,
  };
}

function sliceBlock(block: RowBlock, a: number, b: number): RowBlock {
  const columns = new Map<string, ColumnVector>();
  for (const [name, v] of block.columns) columns.set(name, sliceVector(v, a, b));
  return {
    length: b - a,
    stamp: block.stamp.slice(a, b),
    event: block.event.slice(a, b),
    action: compactCodes(block.action.codes.subarray(a, b), block.action.dict),
    columns,
  };
}
