/**
 * Building, concatenating and reordering ColumnVectors (lang/columns.ts): the store's in-memory
 * column form for batches, deltas and the merged view alike.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import type { ColumnDef } from '../../lang/schema.ts';

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

/** Remap codes into `into`'s code space. */
function remap(codes: Int32Array, dict: readonly string[], into: DictBuilder, out: Int32Array, at: number): void {
  const map = new Int32Array(dict.length);
  for (let i = 0; i < dict.length; i++) map[i] = into.code(dict[i]!);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    out[at + i] = c < 0 ? -1 : map[c]!;
  }
}

/** Rows of all parts one after another; text dictionaries are unified (the first part's codes keep their values). */
export function concatVectors(kind: VectorKind, parts: readonly ColumnVector[]): ColumnVector {
  if (parts.length === 1) return parts[0]!;
  let rows = 0;
  for (const p of parts) rows += vectorRows(p);
  if (kind === 'num') {
    const values = new Float64Array(rows);
    let at = 0;
    for (const p of parts) {
      if (p.kind !== 'num') throw new Error('concat: kind mismatch');
      values.set(p.values, at);
      at += p.values.length;
    }
    return { kind, values };
  }
  if (kind === 'text') {
    const first = parts[0]!;
    const b = new DictBuilder(first.kind === 'text' ? first.dict : []);
    const codes = new Int32Array(rows);
    let at = 0;
    for (const p of parts) {
      if (p.kind !== 'text') throw new Error('concat: kind mismatch');
      remap(p.codes, p.dict, b, codes, at);
      at += p.codes.length;
    }
    return { kind, codes, dict: b.dict };
  }
  let total = 0;
  for (const p of parts) {
    if (p.kind !== kind) throw new Error('concat: kind mismatch');
    total += p.kind === 'numset' ? p.values.length : p.kind === 'textset' ? p.codes.length : 0;
  }
  const offsets = new Int32Array(rows + 1);
  let row = 0;
  let base = 0;
  for (const p of parts) {
    if (p.kind !== 'numset' && p.kind !== 'textset') continue;
    const n = p.offsets.length - 1;
    const o0 = p.offsets[0]!;
    for (let i = 1; i <= n; i++) offsets[row + i] = base + p.offsets[i]! - o0;
    row += n;
    base += p.offsets[n]! - o0;
  }
  if (kind === 'numset') {
    const values = new Float64Array(total);
    let at = 0;
    for (const p of parts) {
      if (p.kind !== 'numset') continue;
      values.set(p.values.subarray(p.offsets[0]!, p.offsets[p.offsets.length - 1]!), at);
      at += p.offsets[p.offsets.length - 1]! - p.offsets[0]!;
    }
    return { kind, offsets, values };
  }
  const first = parts[0]!;
  const b = new DictBuilder(first.kind === 'textset' ? first.dict : []);
  const codes = new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    if (p.kind !== 'textset') continue;
    const slice = p.codes.subarray(p.offsets[0]!, p.offsets[p.offsets.length - 1]!);
    remap(slice, p.dict, b, codes, at);
    at += slice.length;
  }
  return { kind, offsets, codes, dict: b.dict };
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
