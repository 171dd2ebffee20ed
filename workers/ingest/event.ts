/**
 * One insert event → validated, coerced rows (data-model §2). Complex events (nested `_` arrays inside
 * the attributes) expand into one row per leaf path, each carrying its ancestors' attributes.
 * Returns the event or the reason it was rejected; never throws for bad input.
 */
import type { ColumnDef, TableSchema } from '../../lang/schema.ts';
import { EventHasher } from './event-hash.ts';
import { coerceScalar, coerceSet, describeValue, INVALID, type Cell } from './coerce.ts';
import { parseStamp } from './stamp.ts';

export const MAX_PERSON_BYTES = 256;
/** A complex event may not expand into more rows than this (guards against combinatorial bodies). */
export const MAX_ROWS_PER_EVENT = 1_000;
const MAX_DEPTH = 16;

/** Attribute values of one row, indexed by column position in the schema; null = absent. */
export type EventRow = (Cell | null)[];

export interface ValidEvent {
  /** Lower-cased string id or integer id. */
  person: string | number;
  /** Epoch ms. */
  stamp: number;
  action: string;
  rows: EventRow[];
  /** 53-bit identity of the event (person, stamp, action, every coerced attribute of every row). */
  hash: number;
}

export interface ColumnLookup {
  columns: ColumnDef[];
  position: Map<string, number>;
}

/** Attribute keys that were not columns of the table, counted across a request. */
export interface UnknownAttributes {
  count: number;
  names: Set<string>;
}

/** An NDJSON line that was not JSON: rejected like any other bad row. */
export class UnparsableLine {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

export function columnLookup(schema: TableSchema): ColumnLookup {
  const position = new Map<string, number>();
  schema.columns.forEach((c, i) => position.set(c.name, i));
  return { columns: schema.columns, position };
}

const encoder = new TextEncoder();

function parsePerson(v: unknown): string | number | { error: string } {
  if (typeof v === 'string') {
    if (v.length === 0) return { error: 'person is an empty string' };
    // UTF-8 needs at most 3 bytes per UTF-16 unit: only long ids need encoding to check.
    if (v.length > MAX_PERSON_BYTES || (v.length * 3 > MAX_PERSON_BYTES && encoder.encode(v).length > MAX_PERSON_BYTES)) {
      return { error: `person is longer than ${MAX_PERSON_BYTES} bytes` };
    }
    return v.toLowerCase();
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return { error: `person ${v} is not an integer (ids are strings or integers)` };
    return v;
  }
  if (v === undefined || v === null) return { error: "missing person (or 'id')" };
  return { error: `person must be a string or an integer, got ${Array.isArray(v) ? 'array' : typeof v}` };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface ExpandState {
  lookup: ColumnLookup;
  unknown: UnknownAttributes;
  out: EventRow[];
}

/** Applies `attrs` on top of `base`, then recurses into its nested `_` list; returns an error or null. */
function expand(attrs: Record<string, unknown>, base: EventRow, st: ExpandState, depth: number): string | null {
  if (depth > MAX_DEPTH) return `complex event nests deeper than ${MAX_DEPTH} levels`;
  const row = base.slice();
  let children: unknown = null;
  for (const key in attrs) {
    const v = attrs[key];
    if (key === '_') {
      children = v;
      continue;
    }
    const pos = st.lookup.position.get(key);
    if (pos === undefined) {
      st.unknown.count++;
      if (st.unknown.names.size < 100) st.unknown.names.add(key);
      continue;
    }
    const col = st.lookup.columns[pos];
    if (col.isSet) {
      const c = coerceSet(col.type, v);
      if (c === INVALID) return `column '${key}' (${col.type} set) cannot take ${describeValue(v)}`;
      row[pos] = c;
    } else {
      if (Array.isArray(v)) return `column '${key}' is not a set column but got an array`;
      const c = coerceScalar(col.type, v);
      if (c === INVALID) return `column '${key}' (${col.type}) cannot take ${describeValue(v)}`;
      row[pos] = c;
    }
  }
  if (children === null || children === undefined || (Array.isArray(children) && children.length === 0)) {
    if (st.out.length >= MAX_ROWS_PER_EVENT) return `complex event expands to more than ${MAX_ROWS_PER_EVENT} rows`;
    st.out.push(row);
    return null;
  }
  if (!Array.isArray(children)) return "a nested '_' must be an array of attribute objects";
  for (const child of children) {
    if (!isPlainObject(child)) return "a nested '_' must be an array of attribute objects";
    const err = expand(child, row, st, depth + 1);
    if (err !== null) return err;
  }
  return null;
}

const hasher = new EventHasher();

function hashCell(h: EventHasher, c: Cell): void {
  if (typeof c === 'string') h.word(0x73).text(c);
  else if (typeof c === 'number') h.word(0x6e).float(c);
  else if (typeof c === 'boolean') h.word(c ? 0x62 : 0x42);
  else {
    h.word(0x5b).word(c.length);
    for (const x of c) hashCell(h, x);
  }
}

/**
 * Identity of an event: a 53-bit hash of person, stamp, action and every row's present attributes by
 * column id (ids, not names, so a re-added column is a different attribute).
 */
export function eventHash(person: string | number, stamp: number, action: string, rows: EventRow[], columns: ColumnDef[]): number {
  const h = hasher.reset();
  if (typeof person === 'number') h.word(0x69).float(person);
  else h.word(0x73).text(person);
  h.float(stamp).text(action);
  for (const row of rows) {
    h.word(0x1e);
    for (let i = 0; i < row.length; i++) {
      const c = row[i];
      if (c === null || c === undefined) continue;
      h.word(columns[i].id);
      hashCell(h, c);
    }
  }
  return h.digest53();
}

/** Validates and expands one raw event; a string result is the rejection reason. */
export function parseEvent(raw: unknown, lookup: ColumnLookup, unknown: UnknownAttributes): ValidEvent | string {
  if (raw instanceof UnparsableLine) return raw.reason;
  if (!isPlainObject(raw)) return 'event must be a JSON object';
  const person = parsePerson(raw.person !== undefined ? raw.person : raw.id);
  if (typeof person === 'object') return person.error;
  const stamp = parseStamp(raw.stamp);
  if (typeof stamp === 'string') return stamp;
  const action = raw.action !== undefined ? raw.action : raw.event;
  if (typeof action !== 'string' || action.length === 0) {
    return action === undefined || action === null ? "missing action (or 'event')" : 'action must be a non-empty string';
  }
  let attrs = raw._;
  if (Array.isArray(attrs)) attrs = { _: attrs };
  if (attrs !== undefined && attrs !== null && !isPlainObject(attrs)) return "'_' must be an object of attributes";
  const st: ExpandState = { lookup, unknown, out: [] };
  const empty: EventRow = new Array(lookup.columns.length).fill(null);
  const err = expand((attrs ?? {}) as Record<string, unknown>, empty, st, 0);
  if (err !== null) return err;
  return { person, stamp, action, rows: st.out, hash: eventHash(person, stamp, action, st.out, lookup.columns) };
}
