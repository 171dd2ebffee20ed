/**
 * Building, concatenating and reordering ColumnVectors (lang/columns.ts): the store's in-memory
 * column form for batches, deltas and the merged view alike.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import type { ColumnDef } from '../../lang/schema.ts';
import type { RawColumn } from './delta.ts';

export type VectorKind = ColumnVector['kind'];

export function kindOf(def: Pick<ColumnDef, 'type' | 'isSet'>): VectorKind {
  if (def.type === 'text') return def.isSet ? 'textset' : 'text';
  return def.isSet ? 'numset' : 'num';
}

export function absentVector(kind: VectorKind, rows: number): ColumnVector {
  switch (kind) {
    case 'num':
      return { kind, values: new Float64Array(rows).fill(NaN) };
    case 'text':
      return { kind, codes: new Int32Array(rows).fill(-1), dict: [] };
    case 'numset':
      return { kind, offsets: new Int32Array(rows + 1), values: new Float64Array(0) };
    case 'textset':
      return { kind, offsets: new Int32Array(rows + 1), codes: new Int32Array(0), dict: [] };
  }
}

export function vectorRows(v: ColumnVector): number {
  return v.kind === 'num' ? v.values.length : v.kind === 'text' ? v.codes.length : v.offsets.length - 1;
}

/** Resident bytes of a vector (typed arrays plus a rough figure for dictionary strings). */
export function vectorBytes(v: ColumnVector): number {
  switch (v.kind) {
    case 'num':
      return v.values.byteLength;
    case 'text':
      return v.codes.byteLength + dictBytes(v.dict);
    case 'numset':
      return v.offsets.byteLength + v.values.byteLength;
    case 'textset':
      return v.offsets.byteLength + v.codes.byteLength + dictBytes(v.dict);
  }
}

export function dictBytes(dict: readonly string[]): number {
  let n = 0;
  for (const s of dict) n += 32 + s.length * 2;
  return n;
}

/** Dictionary builder: first-seen order, so codes are stable while it grows. */
export class DictBuilder {
  readonly dict: string[];
  private readonly index = new Map<string, number>();

  constructor(initial: readonly string[] = []) {
    this.dict = initial.slice();
    for (let i = 0; i < this.dict.length; i++) this.index.set(this.dict[i]!, i);
  }

  code(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.dict.length;
      this.dict.push(s);
      this.index.set(s, c);
    }
    return c;
  }
}

/** out[i] = v[perm[i]]; dictionaries are shared, not copied. */
export function gatherVector(v: ColumnVector, perm: Int32Array): ColumnVector {
  const n = perm.length;
  switch (v.kind) {
    case 'num': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = v.values[perm[i]!]!;
      return { kind: 'num', values };
    }
    case 'text': {
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = v.codes[perm[i]!]!;
      return { kind: 'text', codes, dict: v.dict };
    }
    case 'numset':
    case 'textset': {
      const offsets = new Int32Array(n + 1);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const r = perm[i]!;
        total += v.offsets[r + 1]! - v.offsets[r]!;
        offsets[i + 1] = total;
      }
      const src = v.kind === 'numset' ? v.values : v.codes;
      const dst = v.kind === 'numset' ? new Float64Array(total) : new Int32Array(total);
      for (let i = 0; i < n; i++) {
        const r = perm[i]!;
        const from = v.offsets[r]!;
        const len = v.offsets[r + 1]! - from;
        const at = offsets[i]!;
        for (let k = 0; k < len; k++) dst[at + k] = src[from + k]!;
      }
      if (v.kind === 'numset') return { kind: 'numset', offsets, values: dst as Float64Array };
      return { kind: 'textset', offsets, codes: dst as Int32Array, dict: v.dict };
    }
  }
}

/** Delta string codes -> codes of `dict`, each distinct string looked up once. */
export class CodeMap {
  private readonly dict: DictBuilder;
  private readonly strings: readonly string[];
  private readonly map: Int32Array;

  constructor(dict: DictBuilder, strings: readonly string[]) {
    this.dict = dict;
    this.strings = strings;
    this.map = new Int32Array(strings.length).fill(-1);
  }

  code(c: number): number {
    let m = this.map[c]!;
    if (m === -1) m = this.map[c] = this.dict.code(this.strings[c]!);
    return m;
  }
}

/** One delta's contribution to a column: its row count, its string table and its column (if it has it). */
export interface RawPart {
  rows: number;
  strings: readonly string[];
  column: RawColumn | undefined;
}

/**
 * A base column followed by delta columns (absent where a delta lacks it), as one vector whose
 * text codes extend the base dictionary: one dictionary lookup per distinct delta string.
 */
export function appendRaw(kind: VectorKind, base: ColumnVector, parts: readonly RawPart[]): ColumnVector {
  const baseRows = vectorRows(base);
  let rows = baseRows;
  let elements = 0;
  for (const p of parts) {
    rows += p.rows;
    const c = p.column;
    if (c?.kind === 'numset') elements += c.values.length;
    else if (c?.kind === 'textset') elements += c.codes.length;
  }
  if (kind === 'num') {
    const values = new Float64Array(rows).fill(NaN);
    if (base.kind === 'num') values.set(base.values);
    let at = baseRows;
    for (const p of parts) {
      if (p.column?.kind === 'num') values.set(p.column.values, at);
      at += p.rows;
    }
    return { kind, values };
  }
  if (kind === 'text') {
    const b = new DictBuilder(base.kind === 'text' ? base.dict : []);
    const codes = new Int32Array(rows).fill(-1);
    if (base.kind === 'text') codes.set(base.codes);
    let at = baseRows;
    for (const p of parts) {
      const c = p.column;
      if (c?.kind === 'text') {
        const map = new CodeMap(b, p.strings);
        for (let i = 0; i < p.rows; i++) {
          const s = c.codes[i]!;
          if (s >= 0) codes[at + i] = map.code(s);
        }
      }
      at += p.rows;
    }
    return { kind, codes, dict: b.dict };
  }
  const baseOffsets = base.kind === 'numset' || base.kind === 'textset' ? base.offsets : new Int32Array(baseRows + 1);
  const o0 = baseOffsets[0]!;
  const baseElements = baseOffsets[baseRows]! - o0;
  const offsets = new Int32Array(rows + 1);
  for (let i = 1; i <= baseRows; i++) offsets[i] = baseOffsets[i]! - o0;
  let row = baseRows;
  let el = baseElements;
  for (const p of parts) {
    const c = p.column;
    const own = c !== undefined && c.kind === kind ? (c as { offsets: Int32Array }).offsets : null;
    for (let i = 1; i <= p.rows; i++) offsets[row + i] = el + (own === null ? 0 : own[i]! - own[0]!);
    row += p.rows;
    el = offsets[row]!;
  }
  if (kind === 'numset') {
    const values = new Float64Array(baseElements + elements);
    if (base.kind === 'numset') values.set(base.values.subarray(o0, o0 + baseElements));
    let at = baseElements;
    for (const p of parts) {
      if (p.column?.kind !== 'numset') continue;
      values.set(p.column.values, at);
      at += p.column.values.length;
    }
    return { kind, offsets, values };
  }
  const b = new DictBuilder(base.kind === 'textset' ? base.dict : []);
  const codes = new Int32Array(baseElements + elements);
  if (base.kind === 'textset') codes.set(base.codes.subarray(o0, o0 + baseElements));
  let at = baseElements;
  for (const p of parts) {
    if (p.column?.kind !== 'textset') continue;
    const map = new CodeMap(b, p.strings);
    for (const c of p.column.codes) codes[at++] = map.code(c);
  }
  return { kind, offsets, codes, dict: b.dict };
}
