/**
 * A delta: the rows one insert call kept (after idempotency checks), in arrival order, as written
 * to SQLite in one value per insert and replayed on load until compaction folds them into chunks.
 *
 * The insert path encodes the batch's cells as they are (numbers as Float64, text as UTF-8 runs,
 * no dictionaries) because it runs for every insert call; building dictionaries and person lists
 * is left to decoding, which only reads, loads and compactions do.
 */
import type { TableSchema } from '../../lang/schema.ts';
import type { BatchCell, InsertBatch } from './batch.ts';
import type { PersonKey } from './directory.ts';
import { PackReader, PackWriter } from './pack.ts';
import { kindOf, type VectorKind } from './vectors.ts';

/** A delta column as stored: text stays as strings until merged into a dictionary with others. */
export type RawColumn =
  | { kind: 'num'; values: Float64Array }
  | { kind: 'text'; values: (string | null)[] }
  | { kind: 'numset'; offsets: Int32Array; values: Float64Array }
  | { kind: 'textset'; offsets: Int32Array; values: string[] };

export interface DeltaRows {
  rows: number;
  /** Distinct people of this delta in first-appearance order. */
  keys: PersonKey[];
  /** Per row: index into `keys`. */
  person: Int32Array;
  stamp: Float64Array;
  action: string[];
  /** Per row: event number within the delta (0-based); rows of one event are consecutive. */
  event: Int32Array;
  events: number;
  /** Per row: the event's hash (idempotency key together with the person). */
  hash: Float64Array;
  /** User columns by column id. */
  columns: Map<number, RawColumn>;
}

const FORMAT = 2;
const KIND_CODE: Record<VectorKind, number> = { num: 1, text: 2, numset: 3, textset: 4 };
const KIND_OF_CODE: VectorKind[] = ['num', 'num', 'text', 'numset', 'textset'];

function toNumber(c: BatchCell | undefined): number {
  if (c === null || c === undefined) return NaN;
  if (typeof c === 'boolean') return c ? 1 : 0;
  if (typeof c === 'number') return c;
  const n = Number(c);
  return Number.isFinite(n) ? n : NaN;
}

function toText(c: BatchCell | undefined): string | null {
  if (c === null || c === undefined) return null;
  return typeof c === 'string' ? c : String(c);
}

/** A set cell as its present elements (a scalar is a one-element set). */
function setCell(c: BatchCell | BatchCell[] | undefined): BatchCell[] {
  if (Array.isArray(c)) return c;
  return c === null || c === undefined ? [] : [c];
}

/**
 * The rows of `batch` listed in `pick` (ascending) as delta bytes; columns not in `schema` are
 * dropped. `pid[i]` is the person ordinal of picked row i (distinguishes people without hashing keys).
 */
export function encodeBatchDelta(schema: TableSchema, batch: InsertBatch, pick: Int32Array, pid: Int32Array): Uint8Array {
  const n = pick.length;
  const w = new PackWriter(512 + n * 96);
  const person = new Array<PersonKey>(n);
  const stamp = new Float64Array(n);
  const action = new Array<string>(n);
  const event = new Int32Array(n);
  const hash = new Float64Array(n);
  let events = 0;
  for (let i = 0; i < n; i++) {
    const r = pick[i]!;
    if (i === 0 || batch.event[r] !== batch.event[pick[i - 1]!] || pid[i - 1] !== pid[i]) events++;
    person[i] = batch.person[r]!;
    stamp[i] = batch.stamp[r]!;
    action[i] = batch.action[r]!;
    event[i] = events - 1;
    hash[i] = batch.eventHash[r]!;
  }
  w.u32(FORMAT);
  w.u32(n);
  w.u32(events);
  writeKeyCells(w, person);
  w.f64s(stamp);
  w.strings(action);
  w.i32s(event);
  w.f64s(hash);
  const cols = schema.columns.filter((def) => batch.columns[def.name]?.id === def.id);
  w.u32(cols.length);
  for (const def of cols) {
    const cells = batch.columns[def.name]!.cells as (BatchCell | BatchCell[])[];
    const kind = kindOf(def);
    w.u32(def.id);
    w.u32(KIND_CODE[kind]);
    if (kind === 'num') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const c = cells[pick[i]!];
        values[i] = toNumber(Array.isArray(c) ? c[0] : c);
      }
      w.f64s(values);
    } else if (kind === 'text') {
      const values = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const c = cells[pick[i]!];
        values[i] = toText(Array.isArray(c) ? c[0] : c);
      }
      w.nullableStrings(values);
    } else {
      const lengths = new Int32Array(n);
      const flat: BatchCell[] = [];
      for (let i = 0; i < n; i++) {
        for (const x of setCell(cells[pick[i]!])) {
          if (x === null) continue;
          flat.push(x);
          lengths[i]!++;
        }
      }
      w.i32s(lengths);
      if (kind === 'numset') w.f64s(Float64Array.from(flat, toNumber));
      else w.strings(flat.map((x) => toText(x)!));
    }
  }
  return w.finish();
}

/** Person ids per row: a type flag each, numbers and strings in their own runs. */
function writeKeyCells(w: PackWriter, keys: readonly PersonKey[]): void {
  const flags = new Uint8Array(keys.length);
  const nums: number[] = [];
  const strs: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (typeof k === 'number') {
      flags[i] = 1;
      nums.push(k);
    } else {
      strs.push(k);
    }
  }
  w.u8s(flags);
  w.f64s(Float64Array.from(nums));
  w.strings(strs);
}

function readKeyCells(r: PackReader): { keys: PersonKey[]; person: Int32Array } {
  const flags = r.u8s();
  const nums = r.f64s();
  const strs = r.strings();
  const keys: PersonKey[] = [];
  const index = new Map<PersonKey, number>();
  const person = new Int32Array(flags.length);
  let ni = 0;
  let si = 0;
  for (let i = 0; i < flags.length; i++) {
    const key: PersonKey = flags[i] === 1 ? nums[ni++]! : strs[si++]!;
    let k = index.get(key);
    if (k === undefined) {
      k = keys.length;
      keys.push(key);
      index.set(key, k);
    }
    person[i] = k;
  }
  return { keys, person };
}

function offsetsOf(lengths: Int32Array): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
  return offsets;
}

export function decodeDelta(bytes: Uint8Array): DeltaRows {
  const r = new PackReader(bytes);
  const format = r.u32();
  if (format !== FORMAT) throw new Error(`delta: unknown format ${format}`);
  const rows = r.u32();
  const events = r.u32();
  const { keys, person } = readKeyCells(r);
  const stamp = r.f64s();
  const action = r.strings();
  const event = r.i32s();
  const hash = r.f64s();
  const ncols = r.u32();
  const columns = new Map<number, RawColumn>();
  for (let c = 0; c < ncols; c++) {
    const id = r.u32();
    const kind = KIND_OF_CODE[r.u32()];
    if (kind === 'num') columns.set(id, { kind, values: r.f64s() });
    else if (kind === 'text') columns.set(id, { kind, values: r.nullableStrings() });
    else if (kind === 'numset') {
      const offsets = offsetsOf(r.i32s());
      columns.set(id, { kind, offsets, values: r.f64s() });
    } else if (kind === 'textset') {
      const offsets = offsetsOf(r.i32s());
      columns.set(id, { kind, offsets, values: r.strings() });
    } else {
      throw new Error('delta: unknown column kind');
    }
  }
  return { rows, keys, person, stamp, action, event, events, hash, columns };
}

function stringsBytes(list: readonly (string | null)[]): number {
  let n = list.length * 8;
  for (const x of list) if (x !== null) n += 16 + x.length * 2;
  return n;
}

export function deltaBytes(d: DeltaRows): number {
  let n = d.person.byteLength + d.stamp.byteLength + stringsBytes(d.action) + d.event.byteLength + d.hash.byteLength;
  for (const k of d.keys) n += 16 + (typeof k === 'string' ? k.length * 2 : 0);
  for (const v of d.columns.values()) {
    if (v.kind === 'num') n += v.values.byteLength;
    else if (v.kind === 'text') n += stringsBytes(v.values);
    else n += v.offsets.byteLength + (v.kind === 'numset' ? v.values.byteLength : stringsBytes(v.values));
  }
  return n;
}
