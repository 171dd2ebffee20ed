/**
 * Test helpers: InsertBatches from and to plain rows with attributes by column name, so tests state
 * batches and compare them without spelling out typed arrays and string codes.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import type { TableSchema } from '../../lang/schema.ts';
import { BatchWriter, type BatchColumn, type InsertBatch } from '../../shards/store/batch.ts';
import { kindOf } from '../../shards/store/vectors.ts';

export type PlainScalar = number | string | boolean;
/** Absent: null (scalar columns) or an empty array (sets). A scalar in a set column is a one-element set. */
export type PlainCell = PlainScalar | null | PlainScalar[];

export interface PlainRow {
  person: string | number;
  stamp: number;
  action: string;
  event: number;
  hash: number;
  attrs: Record<string, PlainCell>;
}

const num = (x: PlainScalar): number => (typeof x === 'boolean' ? Number(x) : (x as number));

/** A batch of `rows` for the columns of `schema` (attributes not in it are left out; booleans become 0/1). */
export function batchOf(schema: TableSchema, rows: readonly PlainRow[]): InsertBatch {
  const slots = schema.columns.map((def) => ({ id: def.id, kind: kindOf(def) }));
  const w = new BatchWriter(slots);
  for (const r of rows) {
    w.row(r.person, r.stamp, r.action, r.event, r.hash);
    schema.columns.forEach((def, c) => {
      const v = r.attrs[def.name];
      if (v === null || v === undefined) return;
      const kind = slots[c]!.kind;
      if (kind === 'num') w.num(c, num(v as PlainScalar));
      else if (kind === 'text') w.text(c, v as string);
      else for (const x of Array.isArray(v) ? v : [v]) w.element(c, kind === 'numset' ? num(x) : (x as string));
    });
  }
  return w.finish();
}

function cellAt(b: InsertBatch, col: BatchColumn, i: number): PlainCell {
  switch (col.kind) {
    case 'num':
      return Number.isNaN(col.values[i]!) ? null : col.values[i]!;
    case 'text':
      return col.codes[i]! < 0 ? null : b.strings[col.codes[i]!]!;
    case 'numset':
      return [...col.values.subarray(col.offsets[i]!, col.offsets[i + 1]!)];
    case 'textset':
      return [...col.codes.subarray(col.offsets[i]!, col.offsets[i + 1]!)].map((c) => b.strings[c]!);
  }
}

/** The rows of a batch with attributes by name for every column of `schema` (absent: null or []). */
export function rowsOf(schema: TableSchema, b: InsertBatch): PlainRow[] {
  const out: PlainRow[] = [];
  for (let i = 0; i < b.rows; i++) {
    const attrs: Record<string, PlainCell> = {};
    for (const def of schema.columns) {
      const col = b.columns.find((c) => c.id === def.id);
      attrs[def.name] = col === undefined ? (def.isSet ? [] : null) : cellAt(b, col, i);
    }
    out.push({ person: b.people[b.person[i]!]!, stamp: b.stamp[i]!, action: b.strings[b.action[i]!]!, event: b.event[i]!, hash: b.eventHash[i]!, attrs });
  }
  return out;
}

/** One cell of a decoded column as a plain value (null for absent), for comparing rows in tests. */
export function cellOf(v: ColumnVector, r: number): unknown {
  switch (v.kind) {
    case 'num':
      return Number.isNaN(v.values[r]!) ? null : v.values[r];
    case 'text':
      return v.codes[r]! < 0 ? null : v.dict[v.codes[r]!];
    case 'numset':
      return [...v.values.subarray(v.offsets[r]!, v.offsets[r + 1]!)];
    case 'textset':
      return [...v.codes.subarray(v.offsets[r]!, v.offsets[r + 1]!)].map((c) => v.dict[c]);
  }
}
