/**
 * The rows the router sends to one shard in one insert RPC: already validated, coerced to column
 * types and expanded (complex events become several rows sharing `event`). Every per-row field is a
 * typed array and every string appears once in a table, so the structured clone of the Durable
 * Object RPC copies a few buffers and a short list of distinct strings instead of per-row arrays,
 * and the shard encodes its delta from the arrays as they are.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import { DbError } from '../../lang/errors.ts';
import type { PersonKey } from './directory.ts';
import { F64Grow, I32Grow } from './grow.ts';

export type BatchColumnKind = ColumnVector['kind'];

/**
 * One user column of a batch, in the store's vector forms: numbers (int, double, bool as 0/1) with
 * NaN for absent, text as codes into `InsertBatch.strings` (-1 absent), sets as `rows + 1` offsets
 * into their elements (an empty range is absent).
 */
export type BatchColumn =
  | { id: number; kind: 'num'; values: Float64Array }
  | { id: number; kind: 'text'; codes: Int32Array }
  | { id: number; kind: 'numset'; offsets: Int32Array; values: Float64Array }
  | { id: number; kind: 'textset'; offsets: Int32Array; codes: Int32Array };

export interface InsertBatch {
  /** Number of rows. */
  rows: number;
  /** Distinct people of the batch in first-appearance order: lower-cased string ids or integer ids. */
  people: PersonKey[];
  /** Per row: index into `people`. */
  person: Int32Array;
  /** Epoch ms per row. */
  stamp: Float64Array;
  /** Per row: the action, as an index into `strings`. */
  action: Int32Array;
  /** Event number within this batch per row; rows of one complex event share it and are consecutive. */
  event: Int32Array;
  /**
   * Identity of the event a row belongs to (same for all its rows): a hash of person, stamp, action and
   * every coerced attribute. Re-inserting an identical event is a no-op (idempotent insert).
   */
  eventHash: Float64Array;
  /** Distinct action and text values the codes point into. */
  strings: string[];
  /** User columns (`id` is the column's storage slot, `ColumnDef.id`); columns absent from every row are omitted. */
  columns: BatchColumn[];
}

/** A user column a batch may carry: its storage slot and vector kind. */
export interface BatchSlot {
  id: number;
  kind: BatchColumnKind;
}

/** One column being built; created when a row first sets it, earlier rows padded as absent. */
class ColumnWriter {
  readonly id: number;
  readonly kind: BatchColumnKind;
  /** num: one value per row; numset: the elements. */
  readonly values: F64Grow | null;
  /** text: one code per row; textset: the element codes. */
  readonly codes: I32Grow | null;
  /** Sets: offsets[k + 1] ends row k; rows not yet closed are closed when a later row or finish() comes. */
  readonly offsets: I32Grow | null;

  constructor(slot: BatchSlot) {
    this.id = slot.id;
    this.kind = slot.kind;
    const set = slot.kind === 'numset' || slot.kind === 'textset';
    this.values = slot.kind === 'num' || slot.kind === 'numset' ? new F64Grow() : null;
    this.codes = slot.kind === 'text' || slot.kind === 'textset' ? new I32Grow() : null;
    this.offsets = set ? new I32Grow(65) : null;
    this.offsets?.push(0);
  }

  /** Pads rows before `row` as absent. */
  padTo(row: number): void {
    if (this.kind === 'num') {
      const v = this.values!;
      while (v.length < row) v.push(NaN);
    } else if (this.kind === 'text') {
      const c = this.codes!;
      while (c.length < row) c.push(-1);
    } else {
      const o = this.offsets!;
      const end = this.kind === 'numset' ? this.values!.length : this.codes!.length;
      while (o.length < row + 1) o.push(end);
    }
  }

  finish(rows: number): BatchColumn {
    this.padTo(rows);
    switch (this.kind) {
      case 'num':
        return { id: this.id, kind: 'num', values: this.values!.take() };
      case 'text':
        return { id: this.id, kind: 'text', codes: this.codes!.take() };
      case 'numset':
        return { id: this.id, kind: 'numset', offsets: this.offsets!.take(), values: this.values!.take() };
      case 'textset':
        return { id: this.id, kind: 'textset', offsets: this.offsets!.take(), codes: this.codes!.take() };
    }
  }
}

/**
 * Builds an InsertBatch row by row: `row(...)` starts a row, then `num`/`text`/`element` set its
 * cells (each scalar column at most once per row; set elements in order, already distinct).
 * `slot` arguments index the `slots` the writer was made with.
 */
export class BatchWriter {
  private readonly slots: readonly BatchSlot[];
  private readonly cols: (ColumnWriter | undefined)[];
  private readonly people: PersonKey[] = [];
  private readonly personIndex = new Map<PersonKey, number>();
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly person = new I32Grow();
  private readonly stamp = new F64Grow();
  private readonly action = new I32Grow();
  private readonly event = new I32Grow();
  private readonly hash = new F64Grow();
  private current = -1;

  constructor(slots: readonly BatchSlot[]) {
    this.slots = slots;
    this.cols = new Array(slots.length);
  }

  get rows(): number {
    return this.current + 1;
  }

  private code(s: string): number {
    let c = this.stringIndex.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, c);
    }
    return c;
  }

  row(person: PersonKey, stamp: number, action: string, event: number, hash: number): void {
    let p = this.personIndex.get(person);
    if (p === undefined) {
      p = this.people.length;
      this.people.push(person);
      this.personIndex.set(person, p);
    }
    this.current++;
    this.person.push(p);
    this.stamp.push(stamp);
    this.action.push(this.code(action));
    this.event.push(event);
    this.hash.push(hash);
  }

  /** The column at `slot`, padded up to (not including) the current row. */
  private col(slot: number): ColumnWriter {
    let c = this.cols[slot];
    if (c === undefined) c = this.cols[slot] = new ColumnWriter(this.slots[slot]!);
    c.padTo(this.current);
    return c;
  }

  /** A number (bools as 0/1) in a `num` column. */
  num(slot: number, x: number): void {
    this.col(slot).values!.push(x);
  }

  /** A string in a `text` column. */
  text(slot: number, s: string): void {
    this.col(slot).codes!.push(this.code(s));
  }

  /** One more element of the current row's set (numbers in `numset`, strings in `textset`). */
  element(slot: number, x: number | string): void {
    const c = this.col(slot);
    if (c.kind === 'numset') c.values!.push(x as number);
    else c.codes!.push(this.code(x as string));
  }

  finish(): InsertBatch {
    const rows = this.rows;
    const columns: BatchColumn[] = [];
    for (const c of this.cols) if (c !== undefined) columns.push(c.finish(rows));
    return {
      rows,
      people: this.people,
      person: this.person.take(),
      stamp: this.stamp.take(),
      action: this.action.take(),
      event: this.event.take(),
      eventHash: this.hash.take(),
      strings: this.strings,
      columns,
    };
  }
}

/** Shape and range checks on a batch arriving over RPC: a malformed one is rejected before any state changes. */
export function checkBatch(b: InsertBatch): void {
  const n = b.rows;
  const bad = (what: string): never => {
    throw new DbError('insert', 'bad_batch', `insert batch: ${what}`);
  };
  if (!Number.isInteger(n) || n < 0) bad('rows must be a non-negative integer');
  if (b.person.length !== n || b.stamp.length !== n || b.action.length !== n || b.event.length !== n || b.eventHash.length !== n) {
    bad('person, stamp, action, event and eventHash must each have one entry per row');
  }
  for (const p of b.people) {
    if (typeof p !== 'number' && (typeof p !== 'string' || p.length === 0)) bad(`person ${JSON.stringify(p)} is not a valid id`);
  }
  const S = b.strings.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(b.stamp[i]!)) bad(`row ${i} has no valid stamp`);
    const p = b.person[i]!;
    if (p < 0 || p >= b.people.length) bad(`row ${i} has no valid person`);
    const a = b.action[i]!;
    if (a < 0 || a >= S) bad(`row ${i} has no valid action`);
  }
  const codesIn = (codes: Int32Array, min: number, what: string): void => {
    for (let i = 0; i < codes.length; i++) if (codes[i]! < min || codes[i]! >= S) bad(`${what} has a string code out of range`);
  };
  for (const col of b.columns) {
    const what = `column ${col.id}`;
    if (col.kind === 'num') {
      if (col.values.length !== n) bad(`${what} must have one value per row`);
    } else if (col.kind === 'text') {
      if (col.codes.length !== n) bad(`${what} must have one value per row`);
      codesIn(col.codes, -1, what);
    } else if (col.kind === 'numset' || col.kind === 'textset') {
      const o = col.offsets;
      const elements = col.kind === 'numset' ? col.values.length : col.codes.length;
      if (o.length !== n + 1 || o[0] !== 0 || o[n] !== elements) bad(`${what} must have rows + 1 offsets spanning its elements`);
      for (let i = 0; i < n; i++) if (o[i + 1]! < o[i]!) bad(`${what} has decreasing offsets`);
      if (col.kind === 'textset') codesIn(col.codes, 0, what);
    } else {
      bad(`${what} has an unknown kind`);
    }
  }
}
