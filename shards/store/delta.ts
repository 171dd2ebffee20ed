/**
 * A delta: the rows one insert call kept (after idempotency checks), in arrival order, as written
 * to SQLite in one value per insert and replayed on load until compaction folds them into chunks.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import type { TableSchema } from '../../lang/schema.ts';
import type { InsertBatch } from './batch.ts';
import { readVector, writeVector } from './codec.ts';
import { readKeys, writeKeys, type PersonKey } from './directory.ts';
import { PackReader, PackWriter } from './pack.ts';
import { DictBuilder, kindOf, vectorBytes, vectorFromCells } from './vectors.ts';

export interface DeltaRows {
  rows: number;
  /** Distinct people of this delta in first-appearance order. */
  keys: PersonKey[];
  /** Per row: index into `keys`. */
  person: Int32Array;
  stamp: Float64Array;
  action: { codes: Int32Array; dict: string[] };
  /** Per row: event number within the delta (0-based); rows of one event are consecutive. */
  event: Int32Array;
  events: number;
  /** Per row: the event's hash (idempotency key together with the person). */
  hash: Float64Array;
  /** User columns by column id. */
  columns: Map<number, ColumnVector>;
}

/**
 * The rows of `batch` listed in `pick` (ascending) as a delta; columns not in `schema` are dropped.
 * `pid[i]` is the person ordinal of picked row i (already looked up, so keys are not hashed again).
 */
export function deltaFromBatch(schema: TableSchema, batch: InsertBatch, pick: Int32Array, pid: Int32Array): DeltaRows {
  const n = pick.length;
  const keys: PersonKey[] = [];
  const keyIndex = new Map<number, number>();
  const person = new Int32Array(n);
  const stamp = new Float64Array(n);
  const actions = new DictBuilder();
  const actionCodes = new Int32Array(n);
  const event = new Int32Array(n);
  const hash = new Float64Array(n);
  let events = 0;
  let lastBatchEvent = NaN;
  for (let i = 0; i < n; i++) {
    const r = pick[i]!;
    let k = keyIndex.get(pid[i]!);
    if (k === undefined) {
      k = keys.length;
      keys.push(batch.person[r]!);
      keyIndex.set(pid[i]!, k);
    }
    person[i] = k;
    stamp[i] = batch.stamp[r]!;
    actionCodes[i] = actions.code(batch.action[r]!);
    const be = batch.event[r]!;
    if (i === 0 || be !== lastBatchEvent || pid[i - 1] !== pid[i]) events++;
    lastBatchEvent = be;
    event[i] = events - 1;
    hash[i] = batch.eventHash[r]!;
  }
  const columns = new Map<number, ColumnVector>();
  for (const def of schema.columns) {
    const col = batch.columns[def.name];
    if (col === undefined || col.id !== def.id) continue;
    columns.set(def.id, vectorFromCells(kindOf(def), col.cells, pick));
  }
  return { rows: n, keys, person, stamp, action: { codes: actionCodes, dict: actions.dict }, event, events, hash, columns };
}

export function encodeDelta(d: DeltaRows): Uint8Array {
  const w = new PackWriter(256 + d.rows * 40);
  w.u32(d.rows);
  w.u32(d.events);
  writeKeys(w, d.keys);
  w.i32s(d.person);
  w.f64s(d.stamp);
  w.strings(d.action.dict);
  w.i32s(d.action.codes);
  w.i32s(d.event);
  w.f64s(d.hash);
  w.u32(d.columns.size);
  for (const [id, v] of d.columns) {
    w.u32(id);
    writeVector(w, v);
  }
  return w.finish();
}

export function decodeDelta(bytes: Uint8Array): DeltaRows {
  const r = new PackReader(bytes);
  const rows = r.u32();
  const events = r.u32();
  const keys = readKeys(r);
  const person = r.i32s();
  const stamp = r.f64s();
  const dict = r.strings();
  const codes = r.i32s();
  const event = r.i32s();
  const hash = r.f64s();
  const ncols = r.u32();
  const columns = new Map<number, ColumnVector>();
  for (let i = 0; i < ncols; i++) {
    const id = r.u32();
    columns.set(id, readVector(r));
  }
  return { rows, keys, person, stamp, action: { codes, dict }, event, events, hash, columns };
}

export function deltaBytes(d: DeltaRows): number {
  let n = d.person.byteLength + d.stamp.byteLength + d.action.codes.byteLength + d.event.byteLength + d.hash.byteLength;
  for (const k of d.keys) n += 16 + (typeof k === 'string' ? k.length * 2 : 0);
  for (const v of d.columns.values()) n += vectorBytes(v);
  return n;
}
