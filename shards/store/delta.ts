/**
 * A delta: the rows one insert call kept (after idempotency checks), in arrival order, as written
 * to SQLite in one value per insert and replayed on load until compaction folds them into chunks.
 *
 * The insert path writes the batch's typed arrays as they are (numbers as Float64, strings once in a
 * table the rows point into by code) because it runs for every insert call; merging the codes into
 * column dictionaries is left to reads and compactions.
 */
import type { TableSchema } from '../../lang/schema.ts';
import type { BatchColumn, InsertBatch } from './batch.ts';
import { readKeys, writeKeys, type PersonKey } from './directory.ts';
import { PackReader, PackWriter } from './pack.ts';
import { DictBuilder, kindOf, type VectorKind } from './vectors.ts';

/** A delta column as stored: text as codes into the delta's own `strings` (-1 absent). */
export type RawColumn =
  | { kind: 'num'; values: Float64Array }
  | { kind: 'text'; codes: Int32Array }
  | { kind: 'numset'; offsets: Int32Array; values: Float64Array }
  | { kind: 'textset'; offsets: Int32Array; codes: Int32Array };

export interface DeltaRows {
  rows: number;
  /** Distinct people of this delta in first-appearance order. */
  keys: PersonKey[];
  /** Per row: index into `keys`. */
  person: Int32Array;
  stamp: Float64Array;
  /** Strings the action and text codes of this delta point into. */
  strings: string[];
  /** Per row: action as an index into `strings`. */
  action: Int32Array;
  /** Per row: event number within the delta (0-based); rows of one event are consecutive. */
  event: Int32Array;
  events: number;
  /** Per row: the event's hash (idempotency key together with the person). */
  hash: Float64Array;
  /** User columns by column id. */
  columns: Map<number, RawColumn>;
}

/** Format 2 (per-row strings) is still read: deltas written before format 3 stay until compaction. */
const FORMAT_ROW_STRINGS = 2;
const FORMAT = 3;
const KIND_CODE: Record<VectorKind, number> = { num: 1, text: 2, numset: 3, textset: 4 };
const KIND_OF_CODE: VectorKind[] = ['num', 'num', 'text', 'numset', 'textset'];

/** The batch columns the schema still has (same slot and kind); others were dropped or changed since. */
function schemaColumns(schema: TableSchema, batch: InsertBatch): BatchColumn[] {
  return batch.columns.filter((col) => schema.columns.some((def) => def.id === col.id && kindOf(def) === col.kind));
}

function gatherF64(src: Float64Array, pick: Int32Array): Float64Array {
  const out = new Float64Array(pick.length);
  for (let i = 0; i < pick.length; i++) out[i] = src[pick[i]!]!;
  return out;
}

function gatherI32(src: Int32Array, pick: Int32Array): Int32Array {
  const out = new Int32Array(pick.length);
  for (let i = 0; i < pick.length; i++) out[i] = src[pick[i]!]!;
  return out;
}

/** The picked rows' ranges of a set column: new offsets and the indexes of the elements kept. */
function gatherRanges(offsets: Int32Array, pick: Int32Array): { offsets: Int32Array; elements: Int32Array } {
  const out = new Int32Array(pick.length + 1);
  for (let i = 0; i < pick.length; i++) out[i + 1] = out[i]! + offsets[pick[i]! + 1]! - offsets[pick[i]!]!;
  const elements = new Int32Array(out[pick.length]!);
  let at = 0;
  for (let i = 0; i < pick.length; i++) {
    for (let e = offsets[pick[i]!]!; e < offsets[pick[i]! + 1]!; e++) elements[at++] = e;
  }
  return { offsets: out, elements };
}

function writeColumn(w: PackWriter, col: BatchColumn, pick: Int32Array | null): void {
  w.u32(col.id);
  w.u32(KIND_CODE[col.kind]);
  switch (col.kind) {
    case 'num':
      w.f64s(pick === null ? col.values : gatherF64(col.values, pick));
      return;
    case 'text':
      w.i32s(pick === null ? col.codes : gatherI32(col.codes, pick));
      return;
    case 'numset':
    case 'textset': {
      if (pick === null) {
        w.i32s(col.offsets);
        if (col.kind === 'numset') w.f64s(col.values);
        else w.i32s(col.codes);
        return;
      }
      const { offsets, elements } = gatherRanges(col.offsets, pick);
      w.i32s(offsets);
      if (col.kind === 'numset') w.f64s(gatherF64(col.values, elements));
      else w.i32s(gatherI32(col.codes, elements));
    }
  }
}

/**
 * The rows of `batch` listed in `pick` (ascending; null = every row) as delta bytes; columns not in
 * `schema` are dropped. Events are renumbered from 0 in row order.
 */
export function encodeBatchDelta(schema: TableSchema, batch: InsertBatch, pick: Int32Array | null): Uint8Array {
  return encodeRows(batch, pick, schemaColumns(schema, batch));
}

/**
 * A whole batch in the delta format, every column kept: the form the router sends to a shard. One
 * byte array crosses the RPC boundary (copied as a block, where a batch object is serialized field
 * by field), and the shard usually stores it unchanged (`storableAsIs`).
 */
export function packBatch(batch: InsertBatch): Uint8Array {
  return encodeRows(batch, null, batch.columns);
}

/** A packed batch (or any delta) as an InsertBatch whose arrays are views over `bytes`. */
export function unpackBatch(bytes: Uint8Array): InsertBatch {
  const d = decodeDelta(bytes);
  const columns: BatchColumn[] = [];
  for (const [id, c] of d.columns) columns.push({ id, ...c });
  return { rows: d.rows, people: d.keys, person: d.person, stamp: d.stamp, action: d.action, event: d.event, eventHash: d.hash, strings: d.strings, columns };
}

/**
 * True when `bytes`, the packed form of `batch`, is exactly what encodeBatchDelta(schema, batch, null)
 * would write: current format, events numbered 0.. in row order, every column still in the schema.
 */
export function storableAsIs(schema: TableSchema, batch: InsertBatch, bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const head = new DataView(bytes.buffer, bytes.byteOffset, 12);
  if (head.getUint32(0, true) !== FORMAT) return false;
  if (schemaColumns(schema, batch).length !== batch.columns.length) return false;
  let events = 0;
  for (let i = 0; i < batch.rows; i++) {
    if (i === 0 || batch.event[i] !== batch.event[i - 1] || batch.person[i] !== batch.person[i - 1]) events++;
    if (batch.event[i] !== events - 1) return false;
  }
  return head.getUint32(8, true) === events;
}

function encodeRows(batch: InsertBatch, pick: Int32Array | null, cols: readonly BatchColumn[]): Uint8Array {
  const n = pick === null ? batch.rows : pick.length;
  let keys = batch.people;
  let person = batch.person;
  if (pick !== null) {
    // Only the people of kept rows, renumbered in first-appearance order.
    const remap = new Int32Array(batch.people.length).fill(-1);
    keys = [];
    person = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = batch.person[pick[i]!]!;
      if (remap[p] === -1) {
        remap[p] = keys.length;
        keys.push(batch.people[p]!);
      }
      person[i] = remap[p]!;
    }
  }
  const event = new Int32Array(n);
  let events = 0;
  for (let i = 0; i < n; i++) {
    const r = pick === null ? i : pick[i]!;
    const prev = pick === null ? i - 1 : pick[i - 1]!;
    if (i === 0 || batch.event[r] !== batch.event[prev] || batch.person[r] !== batch.person[prev]) events++;
    event[i] = events - 1;
  }
  const w = new PackWriter(256 + n * 64);
  w.u32(FORMAT);
  w.u32(n);
  w.u32(events);
  writeKeys(w, keys);
  w.i32s(person);
  w.f64s(pick === null ? batch.stamp : gatherF64(batch.stamp, pick));
  w.strings(batch.strings);
  w.i32s(pick === null ? batch.action : gatherI32(batch.action, pick));
  w.i32s(event);
  w.f64s(pick === null ? batch.eventHash : gatherF64(batch.eventHash, pick));
  w.u32(cols.length);
  for (const col of cols) writeColumn(w, col, pick);
  return w.finish();
}

export function decodeDelta(bytes: Uint8Array): DeltaRows {
  const r = new PackReader(bytes);
  const format = r.u32();
  if (format === FORMAT_ROW_STRINGS) return decodeRowStrings(r);
  if (format !== FORMAT) throw new Error(`delta: unknown format ${format}`);
  const rows = r.u32();
  const events = r.u32();
  const keys = readKeys(r);
  const person = r.i32s();
  const stamp = r.f64s();
  const strings = r.strings();
  const action = r.i32s();
  const event = r.i32s();
  const hash = r.f64s();
  const columns = readColumns(r, { textCodes: () => r.i32s(), setOffsets: () => r.i32s(), setCodes: () => r.i32s() });
  return { rows, keys, person, stamp, strings, action, event, events, hash, columns };
}

/** The rows of `d` listed in `pick` (ascending), keeping its keys, strings and event numbers. */
export function pickDeltaRows(d: DeltaRows, pick: Int32Array): DeltaRows {
  const columns = new Map<number, RawColumn>();
  for (const [id, c] of d.columns) {
    if (c.kind === 'num') columns.set(id, { kind: 'num', values: gatherF64(c.values, pick) });
    else if (c.kind === 'text') columns.set(id, { kind: 'text', codes: gatherI32(c.codes, pick) });
    else {
      const { offsets, elements } = gatherRanges(c.offsets, pick);
      if (c.kind === 'numset') columns.set(id, { kind: 'numset', offsets, values: gatherF64(c.values, elements) });
      else columns.set(id, { kind: 'textset', offsets, codes: gatherI32(c.codes, elements) });
    }
  }
  return {
    rows: pick.length,
    keys: d.keys,
    person: gatherI32(d.person, pick),
    stamp: gatherF64(d.stamp, pick),
    strings: d.strings,
    action: gatherI32(d.action, pick),
    event: gatherI32(d.event, pick),
    events: d.events,
    hash: gatherF64(d.hash, pick),
    columns,
  };
}

function offsetsOf(lengths: Int32Array): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
  return offsets;
}

/** Format 2: a person key and strings per row; read into the format-3 shape. */
function decodeRowStrings(r: PackReader): DeltaRows {
  const rows = r.u32();
  const events = r.u32();
  const rowKeys = readKeys(r);
  const keys: PersonKey[] = [];
  const index = new Map<PersonKey, number>();
  const person = new Int32Array(rowKeys.length);
  for (let i = 0; i < rowKeys.length; i++) {
    let k = index.get(rowKeys[i]!);
    if (k === undefined) {
      k = keys.length;
      keys.push(rowKeys[i]!);
      index.set(rowKeys[i]!, k);
    }
    person[i] = k;
  }
  const dict = new DictBuilder();
  const codesOf = (list: readonly (string | null)[]): Int32Array => Int32Array.from(list, (s) => (s === null ? -1 : dict.code(s)));
  const stamp = r.f64s();
  const action = codesOf(r.strings());
  const event = r.i32s();
  const hash = r.f64s();
  const columns = readColumns(r, {
    textCodes: () => codesOf(r.nullableStrings()),
    setOffsets: () => offsetsOf(r.i32s()),
    setCodes: () => codesOf(r.strings()),
  });
  return { rows, keys, person, stamp, strings: dict.dict, action, event, events, hash, columns };
}

/** How a delta format stores the parts of its columns that differ between formats 2 and 3. */
interface ColumnParts {
  textCodes(): Int32Array;
  setOffsets(): Int32Array;
  setCodes(): Int32Array;
}

function readColumns(r: PackReader, parts: ColumnParts): Map<number, RawColumn> {
  const ncols = r.u32();
  const columns = new Map<number, RawColumn>();
  for (let c = 0; c < ncols; c++) {
    const id = r.u32();
    const kind = KIND_OF_CODE[r.u32()];
    if (kind === 'num') columns.set(id, { kind, values: r.f64s() });
    else if (kind === 'text') columns.set(id, { kind, codes: parts.textCodes() });
    else if (kind === 'numset') columns.set(id, { kind, offsets: parts.setOffsets(), values: r.f64s() });
    else if (kind === 'textset') columns.set(id, { kind, offsets: parts.setOffsets(), codes: parts.setCodes() });
    else throw new Error('delta: unknown column kind');
  }
  return columns;
}

export function deltaBytes(d: DeltaRows): number {
  let n = d.person.byteLength + d.stamp.byteLength + d.action.byteLength + d.event.byteLength + d.hash.byteLength;
  for (const k of d.keys) n += 16 + (typeof k === 'string' ? k.length * 2 : 0);
  for (const s of d.strings) n += 16 + s.length * 2;
  for (const v of d.columns.values()) {
    if (v.kind === 'num') n += v.values.byteLength;
    else if (v.kind === 'text') n += v.codes.byteLength;
    else n += v.offsets.byteLength + (v.kind === 'numset' ? v.values.byteLength : v.codes.byteLength);
  }
  return n;
}
