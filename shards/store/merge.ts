/**
 * Base rows (already in stored order) and delta rows merged into stored order, for the full view of
 * a table and for one person's rows alike, so both order and fold rows identically.
 */
import type { ColumnVector, RowBlock } from '../../lang/columns.ts';
import type { DeltaRows } from './delta.ts';
import { mergeOrder, zRanks, type MergedOrder } from './order.ts';
import { appendRaw, CodeMap, DictBuilder, gatherVector, type VectorKind } from './vectors.ts';

/** Deltas decoded for a read, with the person ordinal of each row. */
export interface DecodedDelta {
  rows: DeltaRows;
  pid: Int32Array;
}

/** The base's core columns (or a range of them). */
export interface BaseCore {
  stamp: Float64Array;
  event: Int32Array;
  action: { codes: Int32Array; dict: string[] };
}

/** Base rows plus delta rows in stored order: core columns and the order user columns follow. */
export interface MergedRows {
  order: MergedOrder;
  stamp: Float64Array;
  action: { codes: Int32Array; dict: string[] };
}

/**
 * Merges `base` (rows grouped by pid, `count` per pid) with the deltas' rows into stored order;
 * the full view and single-person reads both go through here, so they order rows identically.
 */
export function mergeRows(people: number, count: Int32Array, base: BaseCore, deltas: readonly DecodedDelta[], zOrder: readonly string[]): MergedRows {
  const B = base.stamp.length;
  let D = 0;
  for (const d of deltas) D += d.rows.rows;
  const dPid = new Int32Array(D);
  const dStamp = new Float64Array(D);
  const dEvent = new Int32Array(D);
  const actions = new DictBuilder(base.action.dict);
  const dAction = new Int32Array(D);
  let at = 0;
  // Event ids unique across deltas (delta events are numbered from 0 in each delta).
  let eBase = 0;
  for (const d of deltas) {
    const r = d.rows;
    dPid.set(d.pid, at);
    dStamp.set(r.stamp, at);
    const map = new CodeMap(actions, r.strings);
    for (let k = 0; k < r.rows; k++) {
      dEvent[at + k] = eBase + r.event[k]!;
      dAction[at + k] = map.code(r.action[k]!);
    }
    at += r.rows;
    eBase += r.events;
  }
  const ranks = zRanks(actions.dict, zOrder);
  const bZ = new Int32Array(B);
  for (let i = 0; i < B; i++) bZ[i] = ranks[base.action.codes[i]!]!;
  const dZ = new Int32Array(D);
  for (let i = 0; i < D; i++) dZ[i] = ranks[dAction[i]!]!;
  const order = mergeOrder(people, { count, stamp: base.stamp, zrank: bZ, event: base.event }, { pid: dPid, stamp: dStamp, zrank: dZ, event: dEvent });
  const N = order.perm.length;
  const stamp = new Float64Array(N);
  const codes = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const s = order.perm[i]!;
    if (s < B) {
      stamp[i] = base.stamp[s]!;
      codes[i] = base.action.codes[s]!;
    } else {
      stamp[i] = dStamp[s - B]!;
      codes[i] = dAction[s - B]!;
    }
  }
  return { order, stamp, action: { codes, dict: actions.dict } };
}

/** A user column in stored order: the base rows' vector plus the deltas' rows, through `perm`. */
export function mergeColumn(id: number, kind: VectorKind, base: ColumnVector, deltas: readonly DecodedDelta[], perm: Int32Array): ColumnVector {
  const parts = deltas.map((d) => {
    const column = d.rows.columns.get(id);
    return { rows: d.rows.rows, strings: d.rows.strings, column: column?.kind === kind ? column : undefined };
  });
  return gatherVector(appendRaw(kind, base, parts), perm);
}

/** Rows [from, to) of a block. */
export function sliceBlock(b: RowBlock, from: number, to: number): RowBlock {
  const rows = new Int32Array(to - from);
  for (let i = 0; i < rows.length; i++) rows[i] = from + i;
  const columns = new Map<string, ColumnVector>();
  for (const [name, v] of b.columns) columns.set(name, gatherVector(v, rows));
  return {
    length: rows.length,
    stamp: b.stamp.slice(from, to),
    event: b.event.slice(from, to),
    action: { codes: b.action.codes.slice(from, to), dict: b.action.dict },
    columns,
  };
}
