/**
 * Value index of one column of one partition: for every distinct value, the sorted ordinals of the
 * people having it in at least one row (a posting list). Set columns index each element. Built in
 * two passes over the decoded column with no per-row allocation; rebuilt when the table version
 * changes (the cache lives in index/cache.ts).
 */
import type { ColumnType } from '../../lang/schema.ts';
import type { ColumnVector } from '../../lang/columns.ts';
import { PeopleBitmap } from './bitmap.ts';

/** A value as it appears in result JSON: text, number or boolean. */
export type IndexKey = string | number | boolean;

export interface PersonRanges {
  start: Int32Array;
  end: Int32Array;
}

export class ValueIndex {
  readonly type: ColumnType;
  /** Number of people in the partition (bitmap size). */
  readonly people: number;
  /** Distinct values, in no particular order. */
  readonly keys: IndexKey[];
  /** postings[i]: increasing person ordinals having keys[i]. */
  readonly postings: Int32Array[];
  private slotOf: Map<IndexKey, number> | null = null;
  private anyBits: PeopleBitmap | null = null;

  constructor(type: ColumnType, people: number, keys: IndexKey[], postings: Int32Array[]) {
    this.type = type;
    this.people = people;
    this.keys = keys;
    this.postings = postings;
  }

  /** Posting list of one value (empty when absent). Numbers and text never collide: 1 !== '1'. */
  posting(key: IndexKey): Int32Array {
    if (this.slotOf === null) {
      this.slotOf = new Map();
      for (let i = 0; i < this.keys.length; i++) this.slotOf.set(this.keys[i], i);
    }
    const s = this.slotOf.get(key);
    return s === undefined ? EMPTY : this.postings[s];
  }

  /** People having any value in this column. */
  any(): PeopleBitmap {
    if (this.anyBits === null) {
      const b = new PeopleBitmap(this.people);
      for (const p of this.postings) for (let i = 0; i < p.length; i++) b.set(p[i]);
      this.anyBits = b;
    }
    return this.anyBits;
  }

  /** Union of the postings of every value that passes `keep`. */
  union(keep: (key: IndexKey) => boolean): PeopleBitmap {
    const b = new PeopleBitmap(this.people);
    for (let k = 0; k < this.keys.length; k++) {
      if (!keep(this.keys[k])) continue;
      const p = this.postings[k];
      for (let i = 0; i < p.length; i++) b.set(p[i]);
    }
    return b;
  }
}

const EMPTY = new Int32Array(0);

/**
 * Builds the index. `slotOfRow` style: every row (or set element) is first mapped to a value slot,
 * then postings are filled in person order, so each list comes out sorted and duplicate-free.
 */
export function buildValueIndex(type: ColumnType, vec: ColumnVector, people: PersonRanges): ValueIndex {
  const n = people.start.length;
  const keys: IndexKey[] = [];
  // slot per (row or set element); -1 = absent
  let elemSlot: Int32Array;
  let elemOffsets: Int32Array | null = null;
  if (vec.kind === 'text' || vec.kind === 'textset') {
    const codeSlot = new Int32Array(vec.dict.length).fill(-1);
    const codes = vec.codes;
    elemSlot = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c < 0) { elemSlot[i] = -1; continue; }
      let s = codeSlot[c];
      if (s < 0) { s = codeSlot[c] = keys.length; keys.push(vec.dict[c]); }
      elemSlot[i] = s;
    }
    if (vec.kind === 'textset') elemOffsets = vec.offsets;
  } else {
    const values = vec.values;
    const slotOf = new Map<number, number>();
    elemSlot = new Int32Array(values.length);
    const asBool = type === 'bool';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) { elemSlot[i] = -1; continue; }
      let s = slotOf.get(v);
      if (s === undefined) { s = keys.length; slotOf.set(v, s); keys.push(asBool ? v !== 0 : v); }
      elemSlot[i] = s;
    }
    if (vec.kind === 'numset') elemOffsets = vec.offsets;
  }

  const slots = keys.length;
  const last = new Int32Array(slots).fill(-1);
  const counts = new Int32Array(slots);
  const visit = (fill: Int32Array[] | null, fillPos: Int32Array | null): void => {
    last.fill(-1);
    for (let p = 0; p < n; p++) {
      const a = elemOffsets === null ? people.start[p] : elemOffsets[people.start[p]];
      const b = elemOffsets === null ? people.end[p] : elemOffsets[people.end[p]];
      for (let e = a; e < b; e++) {
        const s = elemSlot[e];
        if (s < 0 || last[s] === p) continue;
        last[s] = p;
        if (fill === null) counts[s]++;
        else fill[s][fillPos![s]++] = p;
      }
    }
  };
  visit(null, null);
  const postings: Int32Array[] = new Array(slots);
  for (let s = 0; s < slots; s++) postings[s] = new Int32Array(counts[s]);
  visit(postings, new Int32Array(slots));
  return new ValueIndex(type, n, keys, postings);
}
