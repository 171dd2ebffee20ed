/**
 * RowBlock → Parquet, one row group at a time, bytes handed to a sink as soon as each row group is
 * encoded. Memory is bounded by one row group's values plus the writer's reusable buffer, so a
 * partition of any size streams out of a Worker.
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { ColumnVector, RowBlock } from '../../lang/columns.ts';
import type { ColumnDef, TableSchema } from '../../lang/schema.ts';
import { ACTION, EVENT, EVENT_HASH, PERSON, PERSON_INT, STAMP, parquetSchemaFor } from './parquet-schema.ts';

/** People of a block: ids[p] owns rows start[p] .. end[p] (exclusive), in block order. */
export interface PeopleRanges {
  ids: (string | number)[];
  start: Int32Array;
  end: Int32Array;
}

/** What the encoder reads: a block, its people, and each row's event hash (null = not written). */
export interface RowSource {
  block: RowBlock;
  people: PeopleRanges;
  hashes: Float64Array | null;
}

export type ByteSink = (bytes: Uint8Array) => void | Promise<void>;

export interface EncodeOptions {
  /** Rows per row group; bounds the encoder's memory. */
  rowGroupRows?: number;
  /** Write `__event_hash` (snapshots need it; an export of a table may leave it out). */
  withHash?: boolean;
  /** Free-form key/value metadata stored in the file footer. */
  metadata?: Record<string, string>;
}

export const DEFAULT_ROW_GROUP_ROWS = 32_768;

/** A ByteWriter that hands out what it holds and starts over, keeping the file offset running. */
class DrainingWriter extends ByteWriter {
  drain(): Uint8Array {
    const out = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return out;
  }
}

export class ParquetTableEncoder {
  readonly table: TableSchema;
  private readonly writer = new DrainingWriter(1 << 16);
  private readonly parquet: ParquetWriter;
  private readonly sink: ByteSink;
  private readonly groupRows: number;
  private readonly withHash: boolean;
  private rowsWritten = 0;

  constructor(table: TableSchema, sink: ByteSink, options: EncodeOptions = {}) {
    this.table = table;
    this.sink = sink;
    this.groupRows = Math.max(1, options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
    this.withHash = options.withHash ?? true;
    const kv = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }));
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: parquetSchemaFor(table, this.withHash),
      kvMetadata: kv.length ? kv : undefined,
      createdBy: 'edgeset',
    });
  }

  get rows(): number {
    return this.rowsWritten;
  }

  /** Total bytes produced so far (including bytes already passed to the sink). */
  get bytes(): number {
    return this.writer.offset;
  }

  /** Encode rows [from, to) of the source as one or more row groups. */
  async write(source: RowSource, from = 0, to = source.block.length): Promise<void> {
    if (this.withHash && !source.hashes) throw new Error('parquet encoder: event hashes required');
    for (let start = from; start < to; ) {
      const end = eventBoundaryAtOrAfter(source, Math.min(to, start + this.groupRows), to);
      this.parquet.write({ columnData: this.columnData(source, start, end), rowGroupSize: end - start });
      this.rowsWritten += end - start;
      await this.sink(this.writer.drain());
      start = end;
    }
  }

  /** Write the footer; the sink has then received the whole file. */
  async finish(): Promise<{ rows: number; bytes: number }> {
    this.parquet.finish();
    await this.sink(this.writer.drain());
    return { rows: this.rowsWritten, bytes: this.writer.offset };
  }

  private columnData(source: RowSource, from: number, to: number): ColumnSource[] {
    const { block, people, hashes } = source;
    const n = to - from;
    const person: (string | null)[] = new Array(n);
    const personInt: (bigint | null)[] = new Array(n);
    for (let p = firstPersonEndingAfter(people.end, from); p < people.ids.length && people.start[p] < to; p++) {
      const id = people.ids[p];
      const a = Math.max(from, people.start[p]) - from;
      const b = Math.min(to, people.end[p]) - from;
      const text = typeof id === 'string' ? id : null;
      const int = typeof id === 'number' ? BigInt(id) : null;
      for (let i = a; i < b; i++) {
        person[i] = text;
        personInt[i] = int;
      }
    }
    const stamp = new BigInt64Array(n);
    const action: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      stamp[i] = BigInt(Math.trunc(block.stamp[from + i]));
      action[i] = block.action.dict[block.action.codes[from + i]];
    }
    const out: ColumnSource[] = [
      { name: PERSON, data: person },
      { name: PERSON_INT, data: personInt },
      { name: STAMP, data: stamp },
      { name: ACTION, data: action },
      { name: EVENT, data: block.event.subarray(from, to) },
    ];
    if (this.withHash && hashes) out.push({ name: EVENT_HASH, data: hashes.subarray(from, to) });
    for (const col of this.table.columns) {
      const vector = block.columns.get(col.name);
      if (!vector) throw new Error(`parquet encoder: column ${col.name} missing from block`);
      out.push({ name: col.name, data: columnValues(col, vector, from, to) });
    }
    return out;
  }
}

/** First row at or after `row` (and at most `limit`) that starts a new event, so no event spans two row groups. */
function eventBoundaryAtOrAfter(source: RowSource, row: number, limit: number): number {
  const { block, people } = source;
  let r = row;
  while (r < limit && r > 0 && block.event[r] === block.event[r - 1]) {
    const p = firstPersonEndingAfter(people.end, r);
    if (people.start[p] === r) break;
    r++;
  }
  return r;
}

/** Binary search: first person whose range ends after `row`. */
function firstPersonEndingAfter(end: Int32Array, row: number): number {
  let lo = 0;
  let hi = end.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (end[mid] <= row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Scalar = bigint | number | boolean | string;

function scalarOf(col: ColumnDef, v: number): Scalar {
  if (col.type === 'int') return BigInt(Math.trunc(v));
  if (col.type === 'bool') return v !== 0;
  return v;
}

function columnValues(col: ColumnDef, vector: ColumnVector, from: number, to: number): (Scalar | Scalar[] | null)[] {
  const n = to - from;
  const out: (Scalar | Scalar[] | null)[] = new Array(n);
  switch (vector.kind) {
    case 'num':
      for (let i = 0; i < n; i++) {
        const v = vector.values[from + i];
        out[i] = Number.isNaN(v) ? null : scalarOf(col, v);
      }
      return out;
    case 'text':
      for (let i = 0; i < n; i++) {
        const c = vector.codes[from + i];
        out[i] = c < 0 ? null : vector.dict[c];
      }
      return out;
    case 'numset':
      return setValues(vector.offsets, from, n, (k) => scalarOf(col, vector.values[k]));
    case 'textset':
      return setValues(vector.offsets, from, n, (k) => vector.dict[vector.codes[k]]);
  }
}

/** Rows [from, from + n) of a set column as arrays of elements (an empty set is null). */
function setValues(offsets: Int32Array, from: number, n: number, element: (k: number) => Scalar): (Scalar[] | null)[] {
  const out: (Scalar[] | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = offsets[from + i];
    const b = offsets[from + i + 1];
    if (a === b) {
      out[i] = null;
      continue;
    }
    const set: Scalar[] = new Array(b - a);
    for (let k = a; k < b; k++) set[k - a] = element(k);
    out[i] = set;
  }
  return out;
}
