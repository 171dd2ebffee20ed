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
  /**
   * Postings of all values in one array (no object per value, so a column with a distinct value per
   * row stays compact): value k's people are members[offsets[k] .. offsets[k+1]), increasing.
   */
  readonly offsets: Int32Array;
  readonly members: Int32Array;
  private slotOf: Map<IndexKey, number> | null = null;
  private anyBits: PeopleBitmap | null = null;

  constructor(type: ColumnType, people: number, keys: IndexKey[], offsets: Int32Array, members: Int32Array) {
    this.type = type;
    this.people = people;
    this.keys = keys;
    this.offsets = offsets;
    this.members = members;
  }

  /** The people of value slot k (a view, not a copy). */
  postingAt(k: number): Int32Array {
    return this.members.subarray(this.offsets[k], this.offsets[k + 1]);
  }

  /** Posting list of one value (empty when absent). Numbers and text never collide: 1 !== '1'. */
  posting(key: IndexKey): Int32Array {
    if (this.slotOf === null) {
      this.slotOf = new Map();
      for (let i = 0; i < this.keys.length; i++) this.slotOf.set(this.keys[i], i);
    }
    const s = this.slotOf.get(key);
    return s === undefined ? EMPTY : this.postingAt(s);
  }

  /** People having any value in this column. */
  any(): PeopleBitmap {
    if (this.anyBits === null) {
      const b = new PeopleBitmap(this.people);
      const m = this.members;
      for (let i = 0; i < m.length; i++) b.set(m[i]);
      this.anyBits = b;
    }
    return this.anyBits;
  }

  /** Union of the postings of every value that passes `keep`. */
  union(keep: (key: IndexKey) => boolean): PeopleBitmap {
    const b = new PeopleBitmap(this.people);
    const m = this.members, off = this.offsets;
    for (let k = 0; k < this.keys.length; k++) {
      if (!keep(this.keys[k])) continue;
      for (let i = off[k]; i < off[k + 1]; i++) b.set(m[i]);
    }
    return b;
  }
}

const EMPTY = new Int32Array(0);

/** Beyond this many distinct numbers a hash map is slower than sorting once and binary searching. */
const MAP_LIMIT = 4096;

/** Slot per element (-1 for NaN = absent), appending each distinct value to `keys`. */
function numberSlots(values: Float64Array, keys: IndexKey[], asBool: boolean): Int32Array {
  const slots = new Int32Array(values.length);
  const slotOf = new Map<number, number>();
  let i = 0;
  for (; i < values.length; i++) {
    const v = values[i];
    if (v !== v) { slots[i] = -1; continue; }
    let s = slotOf.get(v);
    if (s === undefined) {
      if (slotOf.size === MAP_LIMIT) break;
      s = slotOf.size;
      slotOf.set(v, s);
    }
    slots[i] = s;
  }
  if (i === values.length) {
    for (const v of slotOf.keys()) keys.push(asBool ? v !== 0 : v);
    return slots;
  }
  // Many distinct values (prices, ids): sort the distinct values and find each by binary search.
  let n = 0;
  const sorted = new Float64Array(values.length);
  for (let j = 0; j < values.length; j++) if (values[j] === values[j]) sorted[n++] = values[j];
  const all = sorted.subarray(0, n).sort();
  let u = 0;
  for (let j = 0; j < n; j++) if (j === 0 || all[j] !== all[u - 1]) all[u++] = all[j];
  const uniq = all.subarray(0, u);
  for (let j = 0; j < u; j++) keys.push(uniq[j]);
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (v !== v) { slots[j] = -1; continue; }
    let lo = 0, hi = u - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (uniq[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    slots[j] = lo;
  }
  return slots;
}

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
    elemSlot = numberSlots(vec.values, keys, type === 'bool');
    if (vec.kind === 'numset') elemOffsets = vec.offsets;
  }

  const slots = keys.length;
  const last = new Int32Array(slots).fill(-1);
  const offsets = new Int32Array(slots + 1);
  // Pass 1 counts each value's people (offsets[s + 1]); pass 2 fills them in person order.
  const visit = (members: Int32Array | null, pos: Int32Array | null): void => {
    last.fill(-1);
    for (let p = 0; p < n; p++) {
      const a = elemOffsets === null ? people.start[p] : elemOffsets[people.start[p]];
      const b = elemOffsets === null ? people.end[p] : elemOffsets[people.end[p]];
      for (let e = a; e < b; e++) {
        const s = elemSlot[e];
        if (s < 0 || last[s] === p) continue;
        last[s] = p;
        if (members === null) offsets[s + 1]++;
        else members[pos![s]++] = p;
      }
    }
  };
  visit(null, null);
  for (let s = 0; s < slots; s++) offsets[s + 1] += offsets[s];
  const members = new Int32Array(offsets[slots]);
  visit(members, offsets.slice(0, slots));
  return new ValueIndex(type, n, keys, offsets, members);
}
